import { Injectable } from '@nestjs/common';
import { Task, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

@Injectable()
class StampTasks {
  readonly started = new Map<string, number>();

  @Task('stamps.take')
  take(label: string): string {
    this.started.set(label, Date.now());
    return label;
  }
}

/**
 * `delayedDelivery: 'direct'` has no delay cascade: a worker holds an eta task itself. A hold must never
 * outlast the broker's consumer_timeout (RabbitMQ would close the channel and redeliver everything on it),
 * and a far eta must not pin the worker's prefetch while tasks that are due wait behind it.
 */
describe("eta tasks with delayedDelivery: 'direct'", () => {
  let probe: BrokerProbe;
  let worker: TestWorker;
  const queue = uniqueName('direct-eta');

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        delayedDelivery: 'direct',
        // Holds last at most half of this: 400 ms.
        brokerConsumerTimeoutMs: 800,
        worker: { queues: [queue], concurrency: 1, prefetch: 1 },
      },
      [StampTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('puts a far eta back in its queue at the hold limit, so a due task behind it runs first', async () => {
    const tasks = worker.app.get(StampTasks);
    const sentAt = Date.now();
    const later = await worker.client.send('stamps.take', ['later'], {}, { countdown: 4 });
    const now = await worker.client.send('stamps.take', ['now']);

    await expect(now.get({ timeoutMs: 3_000 })).resolves.toBe('now');
    expect(tasks.started.get('now')).toBeLessThan(sentAt + 4_000);
    await expect(later.get({ timeoutMs: 10_000 })).resolves.toBe('later');
    expect(tasks.started.get('later')).toBeGreaterThanOrEqual(sentAt + 4_000);
    expect(await probe.depth(deadLetterQueueName(queue))).toBe(0);
  });
});
