import { Injectable } from '@nestjs/common';
import { Task, type TaskContext, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

/** Tasks that run until released, so the test can count how many run at once per queue. */
@Injectable()
class LaneTasks {
  readonly running = new Map<string, number>();
  readonly peak = new Map<string, number>();
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  open(): void {
    this.release();
  }

  @Task('lanes.work')
  async work(ctx: TaskContext): Promise<string> {
    const now = (this.running.get(ctx.queue) ?? 0) + 1;
    this.running.set(ctx.queue, now);
    this.peak.set(ctx.queue, Math.max(this.peak.get(ctx.queue) ?? 0, now));
    await this.gate;
    this.running.set(ctx.queue, (this.running.get(ctx.queue) ?? 1) - 1);
    return ctx.queue;
  }
}

describe('per-queue concurrency and prefetch (worker.queueLimits)', () => {
  const hipri = uniqueName('hipri');
  const reports = uniqueName('reports');
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: hipri,
        worker: {
          queues: [hipri, reports],
          concurrency: 1,
          queueLimits: { [hipri]: { concurrency: 5 }, [reports]: { concurrency: 2, prefetch: 2 } },
        },
      },
      [LaneTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(
      hipri,
      reports,
      deadLetterQueueName(hipri),
      deadLetterQueueName(reports),
    );
    await probe.deleteExchanges(hipri, reports);
    await probe.close();
  });

  it('runs each queue at its own concurrency, and holds back what the lane cannot take', async () => {
    const tasks = worker.app.get(LaneTasks);
    const sent = [
      ...(await Promise.all(
        Array.from({ length: 6 }, () => worker.client.send('lanes.work', [], {}, { queue: hipri })),
      )),
      ...(await Promise.all(
        Array.from({ length: 4 }, () =>
          worker.client.send('lanes.work', [], {}, { queue: reports }),
        ),
      )),
    ];
    await expect.poll(() => tasks.running.get(hipri), { timeout: 5_000 }).toBe(5);
    await expect.poll(() => tasks.running.get(reports), { timeout: 5_000 }).toBe(2);
    // The reports lane's prefetch of 2 leaves its other two tasks on the broker for other workers.
    expect(await probe.depth(reports)).toBe(2);
    tasks.open();
    await Promise.all(sent.map((r) => r.get({ timeoutMs: 10_000 })));
    expect(tasks.peak.get(hipri)).toBe(5);
    expect(tasks.peak.get(reports)).toBe(2);
  });
});
