import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_HEADERS,
  Task,
  TaskRevokedError,
  type TaskContext,
  deadLetterQueueName,
} from 'celeriac';
import { celeryHeaders } from '../support/celery-headers.js';
import { BrokerProbe, TEST_DELAY_PREFIX, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

/** Records when each task started against its eta. */
@Injectable()
class ClockTasks {
  readonly starts = new Map<string, { at: number; eta: number | null; runs: number }>();

  @Task('clock.tick')
  tick(ctx: TaskContext): number {
    const seen = this.starts.get(ctx.id);
    this.starts.set(ctx.id, {
      at: Date.now(),
      eta: ctx.eta?.getTime() ?? null,
      runs: (seen?.runs ?? 0) + 1,
    });
    return Date.now();
  }
}

describe('delayed tasks through the TTL cascade (no broker plugin)', () => {
  const queue = uniqueName('delays');
  let probe: BrokerProbe;
  let producer: TestClient;
  let worker: TestWorker | undefined;

  const start = async (): Promise<TestWorker> =>
    startWorker(
      { defaultQueue: queue, worker: { queues: [queue], concurrency: 20, prefetch: 20 } },
      [ClockTasks],
    );

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    producer = await startClient({ defaultQueue: queue });
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });

  afterAll(async () => {
    await producer.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('runs countdown tasks at their eta, within 50 ms, never early', async () => {
    worker = await start();
    const clock = worker.app.get(ClockTasks);
    const countdowns = [1.6, 2.2, 2.9, 3.4];
    const sent = await Promise.all(
      countdowns.map((c) =>
        producer.client.send('clock.tick', [], {}, { countdown: c, ignoreResult: true }),
      ),
    );
    await expect.poll(() => clock.starts.size, { timeout: 10_000 }).toBe(countdowns.length);
    for (const handle of sent) {
      const start = clock.starts.get(handle.id);
      expect(start?.eta).not.toBeNull();
      const lateness = (start?.at ?? 0) - (start?.eta ?? 0);
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(50);
      expect(start?.runs).toBe(1);
    }
  });

  it('moves a task whose header eta is seconds away into the cascade instead of holding it', async () => {
    worker = await start();
    const clock = worker.app.get(ClockTasks);
    const id = randomUUID();
    const eta = new Date(Date.now() + 3_000);
    // As a Python client sends it: straight to the queue, the eta only in the header.
    await probe.publishRaw(
      queue,
      JSON.stringify([[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]),
      {
        headers: celeryHeaders('clock.tick', id, eta),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        persistent: true,
      },
    );
    // Deferred: out of the task queue (acked), not held unacked by the worker.
    await expect
      .poll(
        async () =>
          (await probe.depth(queue)) +
          worker!.server.unwrap<{ inFlightCount: number }>().inFlightCount,
        { timeout: 5_000 },
      )
      .toBe(0);
    await expect.poll(() => clock.starts.get(id), { timeout: 10_000 }).toBeDefined();
    expect(clock.starts.get(id)?.at).toBeGreaterThanOrEqual(eta.getTime());
  });

  it('keeps a delayed task across a worker restart, and runs it once', async () => {
    worker = await start();
    const first = worker;
    const sentAt = Date.now();
    const handle = await producer.client.send('clock.tick', [], {}, { countdown: 2.2 });
    // The forwarder holds it for its last second; stopping gives it back to the ready queue.
    await expect.poll(() => probe.depth(`${TEST_DELAY_PREFIX}.L00`), { timeout: 5_000 }).toBe(0);
    await first.close();
    worker = await start();
    const clock = worker.app.get(ClockTasks);
    await expect(handle.get({ timeoutMs: 10_000 })).resolves.toEqual(expect.any(Number));
    expect(clock.starts.get(handle.id)?.runs).toBe(1);
    expect(clock.starts.get(handle.id)?.at).toBeGreaterThanOrEqual(sentAt + 2_200);
  });

  it('revokes a task that expired while it waited', async () => {
    worker = await start();
    const clock = worker.app.get(ClockTasks);
    const handle = await producer.client.send('clock.tick', [], {}, { countdown: 2, expires: 1 });
    await expect(handle.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(clock.starts.has(handle.id)).toBe(false);
    await expect.poll(() => probe.depth(deadLetterQueueName(queue)), { timeout: 5_000 }).toBe(1);
    await probe.get(deadLetterQueueName(queue));
  });

  it('dead-letters a delayed task whose destination no longer exists when it is due', async () => {
    worker = await start();
    const doomed = uniqueName('doomed');
    const other = await startClient({ defaultQueue: doomed });
    try {
      await other.client.send('clock.tick', [], {}, { countdown: 1.7, ignoreResult: true });
      await probe.deleteQueues(doomed);
      const dead = `${TEST_DELAY_PREFIX}.ready.dead`;
      await expect.poll(() => probe.depth(dead), { timeout: 10_000 }).toBe(1);
      const letter = await probe.get(dead);
      expect(letter?.properties.headers?.[DEAD_LETTER_HEADERS.reason]).toBe('undeliverable-delay');
      expect(letter?.properties.headers?.['task']).toBe('clock.tick');
    } finally {
      await other.close();
      await probe.deleteQueues(doomed, deadLetterQueueName(doomed));
      await probe.deleteExchanges(doomed);
    }
  });
});
