import { Injectable } from '@nestjs/common';
import { Task, type TaskContext, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient } from '../support/apps.js';

/**
 * A task written the way the docs advise: it stops as soon as its signal aborts. The first run waits for
 * the test's gate; every later run (the redelivery) finishes at once.
 */
@Injectable()
class CooperativeTasks {
  readonly runs: string[] = [];

  @Task('cooperative.work')
  async work(label: string, ctx: TaskContext): Promise<string> {
    this.runs.push(label);
    if (ctx.redelivered) return `done ${label}`;
    await new Promise<void>((_, reject) => {
      ctx.signal.addEventListener('abort', () => {
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted'));
      });
    });
    return 'unreachable';
  }
}

describe('shutdown abort with a handler that honours ctx.signal', () => {
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

  it('leaves the task for redelivery: no FAILURE, no dead letter, one SUCCESS on the next worker', async () => {
    const queue = uniqueName('abort');
    queues.push(queue);
    const options = {
      defaultQueue: queue,
      worker: { queues: [queue], concurrency: 1, prefetch: 1, shutdownGraceMs: 300 },
    };
    const first = await startWorker(options, [CooperativeTasks]);
    producer = await startClient({ defaultQueue: queue });
    const result = await producer.client.send('cooperative.work', ['job'], {}, { queue });
    const firstTasks = first.app.get(CooperativeTasks);
    await expect.poll(() => firstTasks.runs, { timeout: 5_000 }).toEqual(['job']);

    await first.server.close();
    await first.close();

    const second = await startWorker(options, [CooperativeTasks]);
    try {
      // The first reply the caller sees is the redelivered run's: a FAILURE from the aborted run
      // would have arrived first and made get() reject.
      await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe('done job');
      expect(second.app.get(CooperativeTasks).runs).toEqual(['job']);
      expect(await probe.depth(deadLetterQueueName(queue))).toBe(0);
      expect(first.logger.lines('error', /cooperative\.work/)).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
