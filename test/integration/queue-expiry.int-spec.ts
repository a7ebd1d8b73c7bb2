import { Injectable } from '@nestjs/common';
import { DeadLetters, Task, TaskRevokedError, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient } from '../support/apps.js';

@Injectable()
class ReportTasks {
  readonly ran: string[] = [];

  @Task('reports.build')
  build(name: string): string {
    this.ran.push(name);
    return `built ${name}`;
  }
}

/**
 * A task whose `expires` passes while it waits in a queue that no worker consumes: the caller must still
 * hear REVOKED and the task must be dead-lettered with its reason, never dropped in silence. The queue is
 * a classic queue declared without arguments, as Celery declares its stock `celery` queue.
 */
describe('a task that expires while it waits in a queue with no worker', () => {
  let probe: BrokerProbe;
  let producer: TestClient;
  const queue = uniqueName('expiry');

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    producer = await startClient({ defaultQueue: queue });
  });

  afterAll(async () => {
    await producer.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('is answered REVOKED and dead-lettered as expired once a worker comes', async () => {
    const result = await producer.client.send('reports.build', ['q3'], {}, { expires: 0.5 });
    const expiresAt = Date.now() + 500;
    // The queue now holds the task with no consumer; wait until its expiry has passed.
    await expect.poll(() => Date.now() >= expiresAt + 200, { timeout: 5_000 }).toBe(true);

    const worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [
      ReportTasks,
    ]);
    try {
      await expect(result.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
      expect(worker.app.get(ReportTasks).ran).toEqual([]);
      const letters = await worker.app.get(DeadLetters).list(queue);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ id: result.id, task: 'reports.build', reason: 'expired' });
      expect(worker.logger.lines('warn', new RegExp(result.id))).not.toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
