import { Injectable } from '@nestjs/common';
import {
  Task,
  TaskFailedError,
  type TaskContext,
  TaskRevokedError,
  DEAD_LETTER_HEADERS,
  deadLetterQueueName,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

/** Handlers the suite drives; each records what it saw. */
@Injectable()
class FixtureTasks {
  readonly seen: { name: string; args: unknown[]; ctx: TaskContext }[] = [];

  @Task({ name: 'fixture.add', params: ['x', 'y'] })
  add(x: number, y: number, ctx: TaskContext): number {
    this.seen.push({ name: 'fixture.add', args: [x, y], ctx });
    return x + y;
  }

  @Task('fixture.echo_headers')
  echoHeaders(ctx: TaskContext): Record<string, unknown> {
    return { ...ctx.headers };
  }

  @Task('fixture.decline')
  decline(amount: number): never {
    throw new PaymentDeclinedError(`card declined for ${amount}`);
  }

  @Task('fixture.value_error')
  valueError(): never {
    throw Object.assign(new Error('bad value'), { excType: 'ValueError', excModule: 'builtins' });
  }

  @Task('fixture.record')
  record(tag: string, ctx: TaskContext): void {
    this.seen.push({ name: 'fixture.record', args: [tag], ctx });
  }
}

describe('task round trip on the real broker', () => {
  const queue = uniqueName('rt');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let tasks: FixtureTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], concurrency: 4 } },
      [FixtureTasks],
    );
    tasks = worker.app.get(FixtureTasks);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('returns the handler result through get()', async () => {
    const result = await worker.client.send('fixture.add', [2, 3]);
    expect(['PENDING', 'SUCCESS']).toContain(result.state); // a fast worker may already have answered
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(5);
    expect(result.state).toBe('SUCCESS');
    expect(result.ready()).toBe(true);
  });

  it('binds keyword arguments to declared params', async () => {
    const result = await worker.client.send('fixture.add', [], { y: 10, x: 1 });
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(11);
  });

  it('hands the task context to the handler', async () => {
    const result = await worker.client.send('fixture.add', [1, 1], {}, { taskId: 'ctx-probe-1' });
    await result.get({ timeoutMs: 5_000 });
    const call = tasks.seen.find((s) => s.ctx.id === 'ctx-probe-1');
    expect(call?.ctx.name).toBe('fixture.add');
    expect(call?.ctx.retries).toBe(0);
    expect(call?.ctx.queue).toBe(queue);
    expect(call?.ctx.rootId).toBe('ctx-probe-1');
    expect(call?.ctx.signal.aborted).toBe(false);
  });

  it('makes custom headers visible to the handler', async () => {
    const result = await worker.client.send(
      'fixture.echo_headers',
      [],
      {},
      { headers: { 'x-trace': 'abc', n: 7 } },
    );
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toEqual({ 'x-trace': 'abc', n: 7 });
  });

  it('reports a failure with the error type and message, and dead-letters the task', async () => {
    const result = await worker.client.send('fixture.decline', [42]);
    const error: unknown = await result.get({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.excType).toBe('PaymentDeclinedError');
    expect(failed.excModule).toBe('celeriac');
    expect(failed.excMessage).toEqual(['card declined for 42']);
    expect(failed.traceback).toContain('PaymentDeclinedError');
    expect(result.state).toBe('FAILURE');

    const dead = deadLetterQueueName(queue);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    const letter = await probe.get(dead);
    const headers = letter?.properties.headers ?? {};
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('task-failed');
    expect(headers[DEAD_LETTER_HEADERS.excType]).toBe('PaymentDeclinedError');
    expect(headers[DEAD_LETTER_HEADERS.queue]).toBe(queue);
    expect(headers['id']).toBe(result.id);
    expect(JSON.parse(letter?.content.toString() ?? 'null')).toEqual([
      [42],
      {},
      expect.any(Object),
    ]);
  });

  it('lets a handler choose the Python exception type', async () => {
    const result = await worker.client.send('fixture.value_error');
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ValueError');
    expect(error.excModule).toBe('builtins');
    await expect.poll(() => probe.depth(deadLetterQueueName(queue)), { timeout: 5_000 }).toBe(1);
    await probe.get(deadLetterQueueName(queue));
  });

  it('runs an ignoreResult task without sending a result', async () => {
    const result = await worker.client.send(
      'fixture.record',
      ['quiet'],
      {},
      { ignoreResult: true },
    );
    await expect
      .poll(() => tasks.seen.some((s) => s.ctx.id === result.id), { timeout: 5_000 })
      .toBe(true);
    await expect(result.get()).rejects.toThrow(/ignoreResult/);
  });

  it('never starts a task before its countdown', async () => {
    const sentAt = Date.now();
    const result = await worker.client.send('fixture.record', ['later'], {}, { countdown: 1.5 });
    await expect
      .poll(() => tasks.seen.some((s) => s.ctx.id === result.id), { timeout: 5_000 })
      .toBe(true);
    const call = tasks.seen.find((s) => s.ctx.id === result.id);
    expect(call?.ctx.eta?.getTime()).toBeGreaterThanOrEqual(sentAt + 1_500);
    await result.get({ timeoutMs: 5_000 });
  });

  it('revokes an expired task without running it', async () => {
    const result = await worker.client.send(
      'fixture.record',
      ['too-late'],
      {},
      { expires: new Date(Date.now() - 1_000) },
    );
    const error = await result.get({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskRevokedError);
    expect((error as TaskRevokedError).reason).toBe('expired');
    expect(tasks.seen.some((s) => s.ctx.id === result.id)).toBe(false);
    await expect.poll(() => probe.depth(deadLetterQueueName(queue)), { timeout: 5_000 }).toBe(1);
    const letter = await probe.get(deadLetterQueueName(queue));
    expect(letter?.properties.headers?.[DEAD_LETTER_HEADERS.reason]).toBe('expired');
  });
});
