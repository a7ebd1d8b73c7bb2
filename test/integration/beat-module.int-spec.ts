import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BeatService,
  deadLetterQueueName,
  Periodic,
  Task,
  TaskQueueModule,
  tickId,
  TICK_HEADERS,
  type TaskContext,
} from 'celeriac';
import { startWorker, type TestWorker } from '../support/apps.js';
import { BrokerProbe, RABBITMQ_URL, uniqueName } from '../support/broker.js';

/** Every run of a tick, across the workers of one test. */
const runs: { id: string; entry: unknown; scheduledAt: unknown }[] = [];

@Injectable()
class PeriodicTasks {
  @Periodic(0.2)
  @Task('beat.ping')
  ping(ctx: TaskContext): void {
    runs.push({
      id: ctx.id,
      entry: ctx.headers[TICK_HEADERS.entry],
      scheduledAt: ctx.headers[TICK_HEADERS.scheduledAt],
    });
  }
}

@Injectable()
class NotATask {
  @Periodic(1)
  orphan(): void {}
}

async function waitFor<T>(probe: () => T, until: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last ${String(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('beat in Nest apps: @Periodic(), module entries and workers with -B', () => {
  const queue = uniqueName('beat-module');
  const prefix = uniqueName('beat-module');
  const workers: TestWorker[] = [];

  afterAll(async () => {
    for (const w of workers) await w.close();
    const probe = await BrokerProbe.open();
    await probe.deleteQueues(
      queue,
      deadLetterQueueName(queue),
      `${prefix}.leader`,
      `${prefix}.ticks`,
    );
    await probe.close();
  });

  it('two workers with beat on: the @Periodic() and module entries tick, each tick runs once', async () => {
    const options = {
      defaultQueue: queue,
      worker: { beat: true },
      beat: {
        prefix,
        pulseIntervalMs: 250,
        leaseMs: 1_000,
        schedule: { 'ping-from-options': { task: 'beat.ping', schedule: 0.5 } },
      },
    };
    workers.push(await startWorker(options, [PeriodicTasks]));
    workers.push(await startWorker(options, [PeriodicTasks]));
    await waitFor(
      () => runs.length,
      (n) => n >= 12,
      10_000,
    );
    const beats = workers.map((w) => w.app.get(BeatService).status());
    expect(beats.filter((s) => s?.leader)).toHaveLength(1);
    expect(
      beats
        .find((s) => s?.leader)
        ?.entries.map((e) => e.name)
        .sort(),
    ).toEqual(['beat.ping', 'ping-from-options']);
    for (const run of runs) {
      expect(run.id).toBe(tickId(String(run.entry), Date.parse(String(run.scheduledAt))));
    }
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    expect(new Set(runs.map((r) => r.entry))).toEqual(new Set(['beat.ping', 'ping-from-options']));

    const listing = await workers[0]!.app.get(BeatService).list();
    expect(listing.leader?.by).toMatch(/^beat-\d+@/);
    expect(listing.entries.map((e) => e.name)).toEqual(['ping-from-options', 'beat.ping']);
  });

  it('refuses @Periodic() without @Task() at boot', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({ url: RABBITMQ_URL })],
      providers: [NotATask],
    });
    await expect(moduleRef.compile().then((m) => m.init())).rejects.toThrow(
      /NotATask\.orphan.*needs @Task\(\)/,
    );
  });
});
