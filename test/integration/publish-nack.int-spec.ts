import { PublishTimeoutError, TaskQueueRuntime, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';

/**
 * A nacked publish is written again until its deadline, on a new channel when the last replacement is a
 * few seconds old: RabbitMQ 3.10 can nack every publish to a quorum queue for a while after the queue's
 * leader node died (the node-loss cluster test meets it), and only new channels, later, get out of it.
 * A full queue with `x-overflow: reject-publish` nacks the same way, so it stands in for that here. When
 * such a queue has room again is the broker's call (its limit is soft), so the test checks what the
 * publisher does: it keeps writing the message, on a new channel at most every 2 s, and times out at
 * the deadline (the cluster test shows the sends getting through once the broker takes them again).
 */
describe('a publish the broker nacks', () => {
  const queue = uniqueName('nack');
  let probe: BrokerProbe;
  let app: TestClient;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    app = await startClient({
      defaultQueue: queue,
      // Room for a channel replacement after the queue is drained (at most one every 2 s).
      publishTimeoutMs: 6_000,
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
  const settled = (p: Promise<unknown>, ms: number): Promise<boolean> =>
    Promise.race([
      p.then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => {
          resolve(false);
        }, ms),
      ),
    ]);

  /** Sends until one is still waiting after 500 ms: a quorum queue's limit is soft (it takes one or two past it). */
  async function sendIntoFullQueue(): Promise<Promise<unknown>> {
    for (let i = 0; i < 10; i++) {
      const sent = send();
      if (!(await settled(sent, 500))) return sent;
      expect(await sent).not.toBeInstanceOf(Error);
    }
    throw new Error('the queue never refused a publish');
  }

  it('is written again on new channels until its deadline, then times out', async () => {
    // The client opens its publish connection in the background as it starts: count from once it is up.
    await expect.poll(connects, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const connectsBefore = connects();
    const start = Date.now();
    const error = await await sendIntoFullQueue();
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(Date.now() - start).toBeGreaterThanOrEqual(6_000);
    // Replaced by reconnecting, at most every 2 s, not on every nack (the backoff retries are many more).
    expect(renewals()).toBeGreaterThanOrEqual(2);
    expect(renewals()).toBeLessThanOrEqual(5);
    expect(connects() - connectsBefore).toBe(renewals());
  });
});
