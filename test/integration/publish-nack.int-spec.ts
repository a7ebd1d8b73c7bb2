import { PublishError, PublishTimeoutError, TaskQueueRuntime, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';

/**
 * A nacked publish is written once more on a new channel: RabbitMQ 3.10 can leave a channel nacking every
 * publish to a quorum queue after the queue's leader node died (the cluster test meets it), and only a new
 * channel gets out of it. A queue that refuses publishes on purpose (full, `x-overflow: reject-publish`)
 * nacks the second write too: the send then fails as before, and the channel is replaced at most every
 * few seconds, not on every nack.
 */
describe('a publish the broker nacks', () => {
  const queue = uniqueName('nack');
  let probe: BrokerProbe;
  let app: TestClient;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    app = await startClient({
      defaultQueue: queue,
      queues: [
        {
          name: queue,
          type: 'quorum',
          arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
        },
      ],
    });
  });

  afterAll(async () => {
    await app.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.close();
  });

  const send = (): Promise<unknown> =>
    app.client.send('demo.add', [1, 2], {}, { ignoreResult: true }).catch((err: unknown) => err);
  const renewals = (): number =>
    app.logger.lines('warn', 'replacing the publishing channel').length;
  const connects = (): number =>
    app.app.get(TaskQueueRuntime).health().connections.publish?.connects ?? 0;

  /** Sends until one fails: a quorum queue's limit is soft (it takes a message or two past it first). */
  async function sendUntilRefused(): Promise<unknown> {
    for (let i = 0; i < 10; i++) {
      const outcome = await send();
      if (outcome instanceof Error) return outcome;
    }
    return undefined;
  }

  async function drain(): Promise<void> {
    while (await probe.get(queue)) {
      // consumed with auto-ack: the queue has room again
    }
  }

  it('is written again on a new channel, then fails with PublishError if nacked again', async () => {
    const before = connects();
    const error = await sendUntilRefused();
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toMatch(/RabbitMQ nacked it/);
    // Replaced once (a reconnect of the publishing connection), and the publisher works on the new one.
    expect(renewals()).toBe(1);
    expect(connects()).toBe(before + 1);
    await drain();
    expect(await send()).not.toBeInstanceOf(Error);
  });

  it('does not replace the channel again within a few seconds of the last time', async () => {
    const start = Date.now();
    const error = await sendUntilRefused();
    expect(error).toBeInstanceOf(PublishError);
    expect(error).not.toBeInstanceOf(PublishTimeoutError);
    expect(Date.now() - start).toBeLessThan(2_000); // written again at once, not after a timeout
    expect(renewals()).toBe(1);
  });
});
