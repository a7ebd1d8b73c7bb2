import {
  InvalidSendOptionsError,
  PayloadTooLargeError,
  UnroutableError,
  deadLetterQueueName,
} from 'celeriac';
import { BrokerProbe, TEST_DELAY_PREFIX, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';

describe('TaskClient publishing on the real broker', () => {
  const queue = uniqueName('pub');
  const topic = uniqueName('pub-topic');
  let probe: BrokerProbe;
  let app: TestClient;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    await probe.declareExchange(topic, 'topic');
    app = await startClient({ defaultQueue: queue, maxPayloadBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await app.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue, topic);
    await probe.close();
  });

  it('resolves once the broker has the task, persistent and in Celery protocol 2', async () => {
    const result = await app.client.send('demo.add', [1, 2], {}, { ignoreResult: true });
    // send() resolved, so the confirm came back: the message must already be in the queue.
    expect(await probe.depth(queue)).toBe(1);
    const msg = await probe.get(queue);
    expect(msg?.properties.deliveryMode).toBe(2);
    expect(msg?.properties.contentType).toBe('application/json');
    expect(msg?.properties.correlationId).toBe(result.id);
    expect(msg?.properties.headers?.['task']).toBe('demo.add');
    expect(msg?.properties.headers?.['id']).toBe(result.id);
    expect(msg?.fields.exchange).toBe('');
    expect(msg?.fields.routingKey).toBe(queue);
    expect(JSON.parse(msg?.content.toString() ?? 'null')).toEqual([
      [1, 2],
      {},
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
  });

  it('declares the default queue as Celery does (classic, durable, no arguments)', async () => {
    // A passive redeclare with Celery's exact flags succeeds only if ours matched.
    await expect(
      probe.declareQueue(queue, { durable: true, autoDelete: false, exclusive: false }),
    ).resolves.toBeUndefined();
  });

  it('rejects an unroutable task, naming the exchange and routing key', async () => {
    const error: unknown = await app.client
      .send('demo.add', [1], {}, { exchange: topic, routingKey: 'nobody.listens' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnroutableError);
    expect((error as UnroutableError).exchange).toBe(topic);
    expect((error as UnroutableError).routingKey).toBe('nobody.listens');
    expect((error as Error).message).toContain(topic);
    expect((error as Error).message).toContain('nobody.listens');
  });

  it('rejects a task for an exchange that does not exist, and keeps publishing afterwards', async () => {
    const missing = uniqueName('no-such-exchange');
    await expect(
      app.client.send('demo.add', [1], {}, { exchange: missing, routingKey: 'x' }),
    ).rejects.toThrow(new RegExp(`${missing}.*does not exist`));
    await app.client.send('demo.add', [2], {}, { ignoreResult: true });
    expect(await probe.depth(queue)).toBe(1);
    await probe.get(queue);
  });

  it('refuses an oversize task before publishing it', async () => {
    const big = 'x'.repeat(70 * 1024);
    await expect(app.client.send('demo.echo', [big])).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await probe.depth(queue)).toBe(0);
  });

  it('refuses bad send options with an error naming the option', async () => {
    await expect(app.client.send('demo.add', [], {}, { priority: 300 })).rejects.toThrow(
      InvalidSendOptionsError,
    );
    await expect(app.client.send('demo.add', [], {}, { priority: 300 })).rejects.toThrow(
      /priority.*300/,
    );
    await expect(
      app.client.send('demo.add', [], {}, { countdown: 1, eta: new Date() }),
    ).rejects.toThrow(/countdown/);
    await expect(app.client.send('demo.add', [], {}, { headers: { id: 'x' } })).rejects.toThrow(
      /headers\.id/,
    );
    expect(await probe.depth(queue)).toBe(0);
  });

  it("writes countdown, expires and priority the way Celery does (delayedDelivery: 'direct')", async () => {
    const direct = await startClient({ defaultQueue: queue, delayedDelivery: 'direct' });
    try {
      const before = Date.now();
      await direct.client.send(
        'demo.add',
        [],
        {},
        { countdown: 60, expires: 120, priority: 7, ignoreResult: true },
      );
      const msg = await probe.get(queue);
      const headers = msg?.properties.headers ?? {};
      expect(headers['eta']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      expect(Date.parse(String(headers['eta']))).toBeGreaterThanOrEqual(before + 60_000 - 1);
      expect(headers['expires']).toMatch(/\+00:00$/);
      // No per-message TTL: the worker, not the broker, answers an expired task (encodeTask).
      expect(msg?.properties.expiration).toBeUndefined();
      expect(msg?.properties.priority).toBe(7);
    } finally {
      await direct.close();
    }
  });

  it('puts a countdown task into the delay cascade, not into its queue', async () => {
    const before = Date.now();
    await app.client.send('demo.add', [], {}, { countdown: 100.5, ignoreResult: true });
    const waited = Date.now() - before;
    // The route is planned when the message is written: 100.5 s − the 1 s lead − however long the
    // publish waited (the client's first delayed send declares the cascade), in whole seconds. That is
    // 99 s = 0b1100011 with no wait, and at least 64 s either way: it enters at level 6.
    expect(await probe.depth(`${TEST_DELAY_PREFIX}.L06`)).toBe(1);
    expect(await probe.depth(queue)).toBe(0);
    const held = await probe.get(`${TEST_DELAY_PREFIX}.L06`);
    const bits = held?.fields.routingKey.split('.').slice(-7).join('') ?? '';
    expect(bits).toMatch(/^1[01]{6}$/);
    expect(parseInt(bits, 2)).toBeLessThanOrEqual(99);
    expect(parseInt(bits, 2)).toBeGreaterThanOrEqual(Math.floor((100_500 - 1_000 - waited) / 1000));
    expect(held?.properties.headers?.['x-celeriac-delay-routing-key']).toBe(queue);
    expect(held?.properties.expiration).toBeUndefined();
  });
});
