import { Injectable } from '@nestjs/common';
import { Task, type TaskContext, type WorkerStatus, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

/** A task that runs until the test opens its gate, so the test controls "mid-task". */
@Injectable()
class GatedTasks {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  release(): void {
    this.open();
  }

  @Task('gated.work')
  async work(label: string, ctx: TaskContext): Promise<string> {
    this.started.push(label);
    ctx.signal.addEventListener('abort', () => this.aborted.push(label));
    await this.gate;
    return `done ${label}`;
  }
}

describe('graceful shutdown on the real broker', () => {
  let probe: BrokerProbe;
  let producer: TestClient | undefined;
  const queues: string[] = [];

  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });

  afterAll(async () => {
    await producer?.close();
    for (const q of queues) {
      await probe.deleteQueues(q, deadLetterQueueName(q));
      await probe.deleteExchanges(q);
    }
    await probe.close();
  });

  async function start(
    shutdownGraceMs: number,
  ): Promise<{ worker: TestWorker; tasks: GatedTasks; queue: string; producer: TestClient }> {
    const queue = uniqueName('drain');
    queues.push(queue);
    const worker = await startWorker(
      {
        defaultQueue: queue,
        worker: { queues: [queue], concurrency: 1, prefetch: 2, shutdownGraceMs },
      },
      [GatedTasks],
    );
    producer ??= await startClient({ defaultQueue: queue });
    return { worker, tasks: worker.app.get(GatedTasks), queue, producer };
  }

  it('lets the running task finish and ack, and gives back the one that had not started', async () => {
    const { worker, tasks, queue, producer } = await start(10_000);
    const statuses: WorkerStatus[] = [];
    worker.server.status.subscribe((s) => statuses.push(s));
    const first = await producer.client.send('gated.work', ['first'], {}, { queue });
    await producer.client.send('gated.work', ['second'], {}, { queue, ignoreResult: true });
    await expect.poll(() => tasks.started, { timeout: 5_000 }).toEqual(['first']);

    const closing = worker.server.close();
    await expect.poll(() => statuses.at(-1), { timeout: 5_000 }).toBe('draining');
    tasks.release();
    await closing;
    await worker.close();

    await expect(first.get({ timeoutMs: 5_000 })).resolves.toBe('done first');
    expect(tasks.started).toEqual(['first']); // the second never started...
    expect(await probe.depth(queue)).toBe(1); // ...and is back in the queue for the next worker
    expect(statuses.at(-1)).toBe('closed');
    await probe.get(queue);
  });

  it('after the grace period aborts the signal and leaves the task for redelivery', async () => {
    const { worker, tasks, queue, producer } = await start(300);
    await producer.client.send('gated.work', ['stuck'], {}, { queue, ignoreResult: true });
    await expect.poll(() => tasks.started, { timeout: 5_000 }).toEqual(['stuck']);

    await worker.server.close();
    await worker.close();

    expect(tasks.aborted).toEqual(['stuck']);
    expect(worker.logger.lines('warn', /grace of 300 ms is over/)).toHaveLength(1);
    const redelivered = await probe.get(queue);
    expect(redelivered?.fields.redelivered).toBe(true);
    tasks.release();
  });
});
