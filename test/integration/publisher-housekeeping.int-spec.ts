import {
  PublishTimeoutError,
  resolveOptions,
  TaskQueueRuntime,
  UnroutableError,
  type TaskQueueOptions,
} from 'celeriac';
import { BrokerProbe, RABBITMQ_URL, uniqueName } from '../support/broker.js';

/** A runtime of its own (one publisher, one connection), connected and with its channel open. */
async function connectedRuntime(options: TaskQueueOptions = {}): Promise<TaskQueueRuntime> {
  const runtime = new TaskQueueRuntime(resolveOptions({ url: RABBITMQ_URL, ...options }));
  const publisher = runtime.publisher;
  await runtime.connections.get('publish').waitForConnect();
  await vi.waitFor(() => {
    expect(publisher.health().channelOpen).toBe(true);
  });
  return runtime;
}

/** A publish of one small message as the library makes them. */
function request(exchange: string, routingKey: string, correlationId: string) {
  return {
    exchange,
    routingKey,
    message: {
      content: Buffer.from('{}'),
      properties: {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {},
        correlationId,
        persistent: true,
      },
    },
    mandatory: true,
    what: `message ${correlationId}`,
  };
}

/**
 * Blocks the event loop for `ms`, so that a timer due meanwhile runs before the socket is read: it
 * orders events deterministically, it does not wait for a condition.
 */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

describe('Publisher housekeeping on the real broker', () => {
  let probe: BrokerProbe;
  const runtimes: TaskQueueRuntime[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });

  afterAll(async () => {
    for (const runtime of runtimes) await runtime.onApplicationShutdown();
    await probe.deleteQueues(...queues);
    await probe.close();
  });

  it('does not fail a routed copy with the return of an earlier copy that timed out before its confirm', async () => {
    const runtime = await connectedRuntime({ publishTimeoutMs: 200 });
    runtimes.push(runtime);
    const queue = uniqueName('returns');
    queues.push(queue);

    // The first copy reaches no queue; its deadline passes before the return and confirm are read.
    const first = runtime.publisher.publish(request('', queue, 'task-1'));
    blockEventLoop(300);
    await expect(first).rejects.toBeInstanceOf(PublishTimeoutError);

    // Sent again once the queue exists: it is routed, so it must resolve.
    await probe.declareQueue(queue);
    await expect(runtime.publisher.publish(request('', queue, 'task-1'))).resolves.toBeUndefined();
    expect(await probe.depth(queue)).toBeGreaterThanOrEqual(1);
  });

  it('probes a missing exchange once for many publishes to it at the same time', async () => {
    const runtime = await connectedRuntime();
    runtimes.push(runtime);
    const connection = runtime.connections.get('publish').current;
    if (!connection) throw new Error('not connected');
    const createChannel = vi.spyOn(connection, 'createChannel');
    const missing = uniqueName('no-such-exchange');

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        runtime.publisher.publish(request(missing, 'rk', `probe-${i}`)),
      ),
    );

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UnroutableError);
    }
    expect(createChannel).toHaveBeenCalledTimes(1);
  });

  it('runs at most four exchange probes at once, however many exchanges are asked about', async () => {
    const runtime = await connectedRuntime();
    runtimes.push(runtime);
    const connection = runtime.connections.get('publish').current;
    if (!connection) throw new Error('not connected');
    // The real createChannel, counted: how many probe channels are open at once.
    const createChannel = connection.createChannel.bind(connection);
    let open = 0;
    let peak = 0;
    vi.spyOn(connection, 'createChannel').mockImplementation(async () => {
      open++;
      peak = Math.max(peak, open);
      const channel = await createChannel();
      channel.once('close', () => {
        open--;
      });
      return channel;
    });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        runtime.publisher.publish(request(uniqueName(`missing-${i}`), 'rk', `cap-${i}`)),
      ),
    );

    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('runs each topology setup once per new channel after a reconnect', async () => {
    const runtime = await connectedRuntime();
    runtimes.push(runtime);
    const queue = uniqueName('topology');
    queues.push(queue);
    let runs = 0;
    await runtime.publisher.ensureTopology(queue, async (channel) => {
      runs++;
      await channel.assertQueue(queue, { durable: true });
    });
    expect(runs).toBe(1);

    const connection = runtime.connections.get('publish');
    connection.reconnect();
    await vi.waitFor(
      () => {
        expect(connection.health().connects).toBe(2);
        expect(runtime.publisher.health().channelOpen).toBe(true);
      },
      { timeout: 10_000 },
    );
    // Every setup of the new channel has run once 'connect' fired; a second run would have too.
    expect(runs).toBe(2);
  });

  it('makes a second close() wait until the first has drained the publishes in flight', async () => {
    const runtime = await connectedRuntime();
    runtimes.push(runtime);
    const queue = uniqueName('close');
    queues.push(queue);
    await probe.declareQueue(queue);
    let settled = false;
    const inFlight = runtime.publisher.publish(request('', queue, 'closing')).finally(() => {
      settled = true;
    });

    const first = runtime.publisher.close();
    await runtime.publisher.close();

    expect(settled).toBe(true);
    await first;
    await inFlight;
  });
});
