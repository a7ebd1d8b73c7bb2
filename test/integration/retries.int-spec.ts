import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_HEADERS,
  NonRetryableError,
  Task,
  TaskFailedError,
  deadLetterQueueName,
  type TaskContext,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** What one run of a handler saw. */
interface Run {
  readonly retries: number;
  readonly parentId: string | null;
  readonly eta: Date | null;
  readonly startedAt: number;
}

/** Opens once; a handler can wait on it so a test sees the state between two attempts. */
class Gate {
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

@Injectable()
class RetryTasks {
  readonly runs = new Map<string, Run[]>();
  /** When `retry.later` called ctx.retry(), by task id. */
  readonly retryCalledAt = new Map<string, number>();
  gate = new Gate();

  @Task({
    name: 'retry.flaky',
    autoretryFor: [TransientError],
    retryBackoff: 0.05,
    retryJitter: false,
  })
  async flaky(ctx: TaskContext): Promise<string> {
    this.record(ctx);
    if (ctx.retries === 1) await this.gate.opened;
    if (ctx.retries < 2) throw new TransientError(`not yet (attempt ${ctx.retries + 1})`);
    return `ok on attempt ${ctx.retries + 1}`;
  }

  @Task({
    name: 'retry.always',
    autoretryFor: [TransientError],
    maxRetries: 2,
    retryBackoff: 0.05,
    retryJitter: false,
  })
  always(ctx: TaskContext): never {
    this.record(ctx);
    throw new TransientError('still down');
  }

  @Task({ name: 'retry.fatal', autoretryFor: [Error], retryBackoff: 0.05 })
  fatal(ctx: TaskContext): never {
    this.record(ctx);
    throw new NonRetryableError('order does not exist');
  }

  @Task('retry.later')
  later(ctx: TaskContext): string {
    this.record(ctx);
    if (ctx.retries === 0) {
      this.retryCalledAt.set(ctx.id, Date.now());
      ctx.retry({ countdown: 0.2 });
    }
    return 'later';
  }

  @Task({ name: 'retry.forever', maxRetries: 1 })
  forever(ctx: TaskContext): never {
    this.record(ctx);
    ctx.retry({ countdown: 0.05 });
  }

  @Task('retry.wire')
  wire(ctx: TaskContext): string {
    this.record(ctx);
    if (ctx.retries === 0) ctx.retry({ countdown: 0.05 });
    return 'wired';
  }

  runsOf(id: string): Run[] {
    return this.runs.get(id) ?? [];
  }

  private record(ctx: TaskContext): void {
    const runs = this.runs.get(ctx.id) ?? [];
    runs.push({
      retries: ctx.retries,
      parentId: ctx.parentId,
      eta: ctx.eta,
      startedAt: Date.now(),
    });
    this.runs.set(ctx.id, runs);
  }
}

describe('retries on the real broker', () => {
  const queue = uniqueName('retry');
  const dead = deadLetterQueueName(queue);
  const exchange = uniqueName('retry-x');
  const routed = uniqueName('retry-routed');
  const tap = uniqueName('retry-tap');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let tasks: RetryTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        queues: [
          { name: queue },
          { name: routed, exchange, exchangeType: 'topic', bindingKeys: ['wire.#'] },
          // Not consumed: a copy of everything published to the exchange, to read the wire.
          { name: tap, exchange, exchangeType: 'topic', bindingKeys: ['wire.#'] },
        ],
        worker: { queues: [queue, routed], concurrency: 4 },
      },
      [RetryTasks],
    );
    tasks = worker.app.get(RetryTasks);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, dead, routed, deadLetterQueueName(routed), tap);
    await probe.deleteExchanges(queue, exchange);
    await probe.close();
  });

  it('retries automatically until the handler succeeds; the caller sees RETRY, then SUCCESS', async () => {
    tasks.gate = new Gate();
    const result = await worker.client.send('retry.flaky');
    // The second attempt waits on the gate, so the state between attempts can be seen.
    await expect.poll(() => result.state, { timeout: 5_000 }).toBe('RETRY');
    expect(result.ready()).toBe(false);
    tasks.gate.open();
    await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe('ok on attempt 3');
    expect(result.state).toBe('SUCCESS');
    expect(tasks.runsOf(result.id).map((r) => r.retries)).toEqual([0, 1, 2]);
    const warnings = worker.logger.lines('warn', result.id);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('retry.flaky');
    expect(warnings[0]).toContain('attempt 1 of 4');
    expect(warnings[0]).toContain('in 0.05s');
    expect(warnings[1]).toContain('attempt 2 of 4');
    expect(warnings[1]).toContain('in 0.1s');
  });

  it('a task that always fails runs maxRetries + 1 times, then FAILURE and one dead letter', async () => {
    const result = await worker.client.send('retry.always');
    const error: unknown = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('TransientError');
    expect((error as TaskFailedError).excMessage).toEqual(['still down']);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    const letter = await probe.get(dead);
    const headers = letter?.properties.headers ?? {};
    expect(headers['id']).toBe(result.id);
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('task-failed');
    expect(headers[DEAD_LETTER_HEADERS.attempts]).toBe(3);
    expect(headers[DEAD_LETTER_HEADERS.excType]).toBe('TransientError');
    expect(String(headers[DEAD_LETTER_HEADERS.detail])).toContain('gave up after 3 attempts');
    // The dead letter comes after the last run, so the count is final.
    expect(tasks.runsOf(result.id).map((r) => r.retries)).toEqual([0, 1, 2]);
  });

  it('NonRetryableError fails at once, even when autoretryFor matches it', async () => {
    const result = await worker.client.send('retry.fatal');
    const error: unknown = await result.get({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('NonRetryableError');
    expect(tasks.runsOf(result.id)).toHaveLength(1);
    expect(worker.logger.lines('warn', result.id)).toEqual([]);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    const letter = await probe.get(dead);
    expect(letter?.properties.headers?.[DEAD_LETTER_HEADERS.attempts]).toBe(1);
  });

  it('ctx.retry({ countdown }) runs the task again, not before the countdown', async () => {
    const result = await worker.client.send('retry.later');
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('later');
    const runs = tasks.runsOf(result.id);
    expect(runs.map((r) => r.retries)).toEqual([0, 1]);
    const calledAt = tasks.retryCalledAt.get(result.id) ?? Infinity;
    const second = runs[1]!;
    // The eta is set after ctx.retry() threw, 200 ms ahead; the run waits for it (timers may round by 1 ms).
    expect(second.eta!.getTime() - calledAt).toBeGreaterThanOrEqual(200);
    expect(second.startedAt).toBeGreaterThanOrEqual(second.eta!.getTime() - 1);
  });

  it("ctx.retry() past maxRetries without exc fails with Celery's MaxRetriesExceededError", async () => {
    const result = await worker.client.send('retry.forever');
    const error: unknown = await result.get({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('MaxRetriesExceededError');
    expect((error as TaskFailedError).excModule).toBe('celery.exceptions');
    expect(String((error as TaskFailedError).excMessage[0])).toContain(
      `Can't retry retry.forever[${result.id}]`,
    );
    expect(tasks.runsOf(result.id)).toHaveLength(2);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    expect((await probe.get(dead))?.properties.headers?.[DEAD_LETTER_HEADERS.attempts]).toBe(2);
  });

  it('the retry copy on the wire: same id, retries + 1, parent = itself, same exchange and key', async () => {
    const result = await worker.client.send(
      'retry.wire',
      [],
      {},
      { exchange, routingKey: 'wire.orders', priority: 7 },
    );
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('wired');
    // The tap is bound like the worker's queue, so it got the original and then the copy.
    await expect.poll(() => probe.depth(tap), { timeout: 5_000 }).toBe(2);
    const original = await probe.get(tap);
    const copy = await probe.get(tap);
    const before = original?.properties.headers ?? {};
    const after = copy?.properties.headers ?? {};
    expect(after['id']).toBe(result.id);
    expect(after['task']).toBe('retry.wire');
    // The lean header table (the default) leaves out what equals Celery's default: no retries header
    // means 0, no parent_id none, and no root_id that the task is its own root, on both.
    expect(before).not.toHaveProperty('retries');
    expect(after['retries']).toBe(1);
    expect(before).not.toHaveProperty('parent_id');
    expect(after['parent_id']).toBe(result.id);
    expect(before).not.toHaveProperty('root_id');
    expect(after).not.toHaveProperty('root_id');
    expect(typeof after['eta']).toBe('string');
    expect(Date.parse(String(after['eta']))).toBeGreaterThan(Date.now() - 10_000);
    expect(copy?.fields.exchange).toBe(exchange);
    expect(copy?.fields.routingKey).toBe('wire.orders');
    expect(copy?.properties.correlationId).toBe(result.id);
    expect(copy?.properties.replyTo).toBe(original?.properties.replyTo);
    expect(copy?.properties.priority).toBe(7);
    expect(copy?.content.equals(original?.content ?? Buffer.alloc(0))).toBe(true);
    // What the handler saw on its second run.
    expect(tasks.runsOf(result.id).map((r) => [r.retries, r.parentId])).toEqual([
      [0, null],
      [1, result.id],
    ]);
  });
});
