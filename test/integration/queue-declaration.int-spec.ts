import { deadLetterQueueName, hasErrorCode, TaskQueueError, TaskQueueRuntime } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker } from '../support/apps.js';

/** A queue that exists with other arguments than the app declares: RabbitMQ refuses with a 406. */
describe('a queue declared elsewhere with other arguments', () => {
  let probe: BrokerProbe;
  const queue = uniqueName('declared-elsewhere');

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    await probe.declareQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  });

  afterAll(async () => {
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.close();
  });

  function expectDeclarationError(err: unknown): void {
    expect(err).toBeInstanceOf(TaskQueueError);
    expect(hasErrorCode(err, 'TASK_QUEUE_QUEUE_DECLARATION')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(`"${queue}"`);
    expect(message).toContain('PRECONDITION_FAILED');
    expect(message).toMatch(/delete the queue/);
  }

  it('fails a send with that classed error, or delivers it into the existing queue: never a raw error, a timeout or a reconnect loop', async () => {
    const app = await startClient({ defaultQueue: queue, publishTimeoutMs: 5_000 });
    try {
      // The declaration runs on the publishing channel now, or in the setup of the channel being opened:
      // the send fails with the error in the first case; in the second the setup fails (logged), the
      // channel is replaced without it, and the message is published into the queue as it exists.
      const outcome = await app.client
        .send('declared.elsewhere', [], {}, { ignoreResult: true })
        .then(
          () => null,
          (e: unknown) => e,
        );
      if (outcome !== null) expectDeclarationError(outcome);
      else expect(await probe.depth(queue)).toBe(1);
      // A second send: the failed declaration was forgotten, so it is tried again or the queue is used.
      const second = await app.client
        .send('declared.elsewhere', [], {}, { ignoreResult: true })
        .then(
          () => null,
          (e: unknown) => e,
        );
      if (second !== null) expectDeclarationError(second);
      const runtime = app.app.get(TaskQueueRuntime);
      expect(runtime.health().connections.publish?.connects).toBeLessThanOrEqual(4);
    } finally {
      await app.close();
    }
  });

  it('fails a worker start with the same classed error', async () => {
    const err = await startWorker({ defaultQueue: queue }, []).then(
      async (worker) => {
        await worker.close();
        return new Error('the worker started');
      },
      (e: unknown) => e,
    );
    expectDeclarationError(err);
  });
});
