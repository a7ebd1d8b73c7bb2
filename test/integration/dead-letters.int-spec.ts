import { Injectable } from '@nestjs/common';
import {
  DeadLetterQueueMissingError,
  DeadLetterReplayError,
  DeadLetters,
  NonRetryableError,
  Task,
  deadLetterQueueName,
  type TaskContext,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

class TransientError extends Error {
  override readonly name = 'TransientError';
}

interface Run {
  readonly retries: number;
  readonly headerNames: readonly string[];
  readonly ok: boolean;
}

@Injectable()
class OrderTasks {
  /** While true, `orders.sync` fails; the tests flip it to show a replay succeeding. */
  failing = true;
  readonly runs = new Map<string, Run[]>();

  @Task({
    name: 'orders.sync',
    params: ['orderId'],
    autoretryFor: [TransientError],
    maxRetries: 1,
    retryBackoff: 0.05,
    retryJitter: false,
  })
  sync(orderId: string, ctx: TaskContext): string {
    const ok = !this.failing;
    this.record(ctx, ok);
    if (!ok) throw new TransientError(`upstream down for ${orderId}`);
    return `synced ${orderId}`;
  }

  @Task('orders.cancel')
  cancel(orderId: string, ctx: TaskContext): never {
    this.record(ctx, false);
    throw new NonRetryableError(`order ${orderId} is gone`);
  }

  runsOf(id: string): Run[] {
    return this.runs.get(id) ?? [];
  }

  private record(ctx: TaskContext, ok: boolean): void {
    const runs = this.runs.get(ctx.id) ?? [];
    runs.push({ retries: ctx.retries, headerNames: Object.keys(ctx.headers), ok });
    this.runs.set(ctx.id, runs);
  }
}

describe('DeadLetters: list, replay and purge on the real broker', () => {
  const queue = uniqueName('dl');
  const dead = deadLetterQueueName(queue);
  let worker: TestWorker;
  let admin: TestClient;
  let deadLetters: DeadLetters;
  let probe: BrokerProbe;
  let tasks: OrderTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [OrderTasks]);
    tasks = worker.app.get(OrderTasks);
    // The admin side runs in a process that only sends tasks, as an API would.
    admin = await startClient({ defaultQueue: queue });
    deadLetters = admin.app.get(DeadLetters);
  });

  afterAll(async () => {
    await admin.close();
    await worker.close();
    await probe.deleteQueues(queue, dead);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('lists, replays one by id (it runs again from retries 0 and succeeds), then purges', async () => {
    const sync = await worker.client.send('orders.sync', ['order-1']);
    await expect(sync.get({ timeoutMs: 10_000 })).rejects.toMatchObject({
      excType: 'TransientError',
    });
    const cancel = await worker.client.send('orders.cancel', ['order-2']);
    await expect(cancel.get({ timeoutMs: 5_000 })).rejects.toMatchObject({
      excType: 'NonRetryableError',
    });
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(2);

    const before = Date.now();
    const letters = await deadLetters.list(queue);
    expect(letters).toHaveLength(2);
    const letter = letters.find((l) => l.id === sync.id);
    expect(letter).toMatchObject({
      id: sync.id,
      task: 'orders.sync',
      reason: 'task-failed',
      excType: 'TransientError',
      excMessage: ['upstream down for order-1'],
      attempts: 2,
      originalQueue: queue,
      originalExchange: '',
      originalRoutingKey: queue,
      args: ['order-1'],
      kwargs: {},
    });
    expect(letter?.detail).toContain('gave up after 2 attempts');
    expect(letter?.deadAt?.getTime()).toBeLessThanOrEqual(before);
    expect(letters.find((l) => l.id === cancel.id)).toMatchObject({
      task: 'orders.cancel',
      excType: 'NonRetryableError',
      attempts: 1,
    });

    // A peek: nothing was taken, and a limit is honoured.
    expect(await probe.depth(dead)).toBe(2);
    expect(await deadLetters.list(queue, { limit: 1 })).toHaveLength(1);
    expect(await probe.depth(dead)).toBe(2);

    tasks.failing = false;
    await expect(deadLetters.replay(queue, { ids: [sync.id] })).resolves.toBe(1);
    await expect.poll(() => tasks.runsOf(sync.id).at(-1)?.ok, { timeout: 5_000 }).toBe(true);
    const replayed = tasks.runsOf(sync.id).at(-1)!;
    expect(replayed.retries).toBe(0);
    expect(replayed.headerNames.filter((h) => h.startsWith('x-celeriac-'))).toEqual([]);
    expect(tasks.runsOf(sync.id)).toHaveLength(3);
    // Only the chosen letter left the queue.
    expect(await probe.depth(dead)).toBe(1);
    expect((await deadLetters.list(queue)).map((l) => l.id)).toEqual([cancel.id]);

    await expect(deadLetters.purge(queue)).resolves.toBe(1);
    expect(await probe.depth(dead)).toBe(0);
  });

  it('replays every letter, up to a limit', async () => {
    tasks.failing = true;
    const ids: string[] = [];
    for (const order of ['a', 'b', 'c']) {
      const result = await worker.client.send('orders.sync', [order]);
      await result.get({ timeoutMs: 10_000 }).catch(() => undefined);
      ids.push(result.id);
    }
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(3);
    tasks.failing = false;
    await expect(deadLetters.replay(queue, { limit: 2 })).resolves.toBe(2);
    expect(await probe.depth(dead)).toBe(1);
    await expect(deadLetters.replay(queue)).resolves.toBe(1);
    expect(await probe.depth(dead)).toBe(0);
    for (const id of ids) {
      await expect.poll(() => tasks.runsOf(id).at(-1)?.ok, { timeout: 5_000 }).toBe(true);
    }
  });

  it('a replay the broker refuses leaves the letter in place', async () => {
    const gone = uniqueName('dl-gone');
    await probe.publishRaw(dead, '[[], {}, {}]', {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {
        task: 'orders.sync',
        id: 'orphan-1',
        retries: 0,
        'x-celeriac-reason': 'task-failed',
        'x-celeriac-original-queue': gone,
      },
    });
    const error: unknown = await deadLetters.replay(queue).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterReplayError);
    expect((error as DeadLetterReplayError).replayed).toBe(0);
    expect(await probe.depth(dead)).toBe(1);
    expect((await deadLetters.list(queue)).map((l) => [l.id, l.originalQueue])).toEqual([
      ['orphan-1', gone],
    ]);
    await expect(deadLetters.purge(queue)).resolves.toBe(1);
  });

  it('names the missing dead-letter queue instead of pretending it is empty', async () => {
    const missing = uniqueName('dl-none');
    await expect(deadLetters.list(missing)).rejects.toBeInstanceOf(DeadLetterQueueMissingError);
    await expect(deadLetters.purge(missing)).rejects.toThrow(deadLetterQueueName(missing));
  });
});
