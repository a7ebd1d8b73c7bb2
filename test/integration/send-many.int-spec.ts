import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  InvalidSendOptionsError,
  InvalidTaskArgumentsError,
  PayloadTooLargeError,
  PublishBacklogFullError,
  Task,
  UnroutableError,
  deadLetterQueueName,
  defineTask,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

const double = defineTask('bulk.double', { args: z.tuple([z.number()]), result: z.number() });

@Injectable()
class BulkTasks {
  @Task(double)
  double(n: number): number {
    return 2 * n;
  }
}

describe('TaskClient.sendMany on the real broker', () => {
  const queue = uniqueName('bulk');
  const workerQueue = uniqueName('bulk-worked');
  const topic = uniqueName('bulk-topic');
  let probe: BrokerProbe;
  let app: TestClient;
  let small: TestClient;
  let worker: TestWorker;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    await probe.declareExchange(topic, 'topic');
    app = await startClient({ defaultQueue: queue, maxPayloadBytes: 16 * 1024 });
    small = await startClient({ defaultQueue: queue, maxPendingPublishes: 10 });
    worker = await startWorker({ defaultQueue: workerQueue }, [BulkTasks]);
  });

  afterAll(async () => {
    await worker.close();
    await app.close();
    await small.close();
    await probe.deleteQueues(queue, workerQueue, deadLetterQueueName(workerQueue));
    await probe.deleteExchanges(queue, workerQueue, topic);
    await probe.close();
  });

  afterEach(async () => {
    while (await probe.get(queue)) {
      // empty the queue between tests
    }
  });

  it('publishes every call, confirmed and in order, with one handle each', async () => {
    const calls = Array.from({ length: 200 }, (_, i) => ({ args: [i] }));
    const sent = await app.client.sendMany('bulk.noop', calls, { ignoreResult: true });
    expect(sent.map((s) => s.status)).toEqual(calls.map(() => 'fulfilled'));
    // sendMany resolved, so every confirm came back: the messages are all in the queue, in order.
    expect(await probe.depth(queue)).toBe(200);
    for (const [i, s] of sent.entries()) {
      const msg = await probe.get(queue);
      expect(msg?.properties.headers?.['id']).toBe(s.status === 'fulfilled' ? s.value.id : null);
      expect(JSON.parse(msg?.content.toString() ?? 'null')).toEqual([
        [i],
        {},
        { callbacks: null, errbacks: null, chain: null, chord: null },
      ]);
    }
  });

  it("takes each call's own options over the batch's", async () => {
    const sent = await app.client.sendMany(
      'bulk.noop',
      [{ args: [1], options: { taskId: 'bulk-own-id', priority: 5 } }, { args: [2] }],
      { ignoreResult: true, priority: 1 },
    );
    expect(sent[0]).toMatchObject({ status: 'fulfilled', value: { id: 'bulk-own-id' } });
    const first = await probe.get(queue);
    const second = await probe.get(queue);
    expect(first?.properties.priority).toBe(5);
    expect(second?.properties.priority).toBe(1);
  });

  it('refuses the whole batch, before publishing any of it, when one call is bad', async () => {
    const error: unknown = await app.client
      .sendMany('bulk.noop', [{ args: [1] }, { args: [2], options: { countdown: Number.NaN } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSendOptionsError);
    expect((error as InvalidSendOptionsError).field).toBe('calls[1].countdown');
    const tooBig = await app.client
      .sendMany('bulk.noop', [{ args: [1] }, { args: ['x'.repeat(20_000)] }], {
        ignoreResult: true,
      })
      .catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(PayloadTooLargeError);
    expect(await probe.depth(queue)).toBe(0);
  });

  it('checks a typed reference’s arguments for every call first', async () => {
    const error: unknown = await app.client
      .sendMany(double, [{ args: [1] }, { args: ['two' as never] }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskArgumentsError);
    expect(await probe.depth(queue)).toBe(0);
  });

  it('fails an unroutable call alone: the others are delivered', async () => {
    const sent = await app.client.sendMany(
      'bulk.noop',
      [
        { args: [1] },
        { args: [2], options: { exchange: topic, routingKey: 'nobody.listens' } },
        { args: [3] },
      ],
      { ignoreResult: true },
    );
    expect(sent.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sent[1]?.status === 'rejected' ? sent[1].reason : null).toBeInstanceOf(UnroutableError);
    expect(await probe.depth(queue)).toBe(2);
  });

  it('refuses a batch larger than the free maxPendingPublishes, publishing none of it', async () => {
    const calls = Array.from({ length: 11 }, (_, i) => ({ args: [i] }));
    const error: unknown = await small.client
      .sendMany('bulk.noop', calls, { ignoreResult: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishBacklogFullError);
    expect(await probe.depth(queue)).toBe(0);
    const fits = await small.client.sendMany('bulk.noop', calls.slice(0, 10), {
      ignoreResult: true,
    });
    expect(fits.every((s) => s.status === 'fulfilled')).toBe(true);
  });

  it('hands out handles that get each call’s result from a worker', async () => {
    const sent = await app.client.sendMany(
      double,
      Array.from({ length: 20 }, (_, i) => ({ args: [i] as [number] })),
      { queue: workerQueue },
    );
    const handles = sent.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(handles).toHaveLength(20);
    const results = await Promise.all(handles.map((h) => h.get({ timeoutMs: 10_000 })));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
  });
});
