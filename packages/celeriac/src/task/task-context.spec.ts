import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { TaskRetryError } from '../errors/task-retry.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RetryOptions } from './retry-options.js';
import { TaskAbort } from './task-abort.js';
import { TaskContext } from './task-context.js';

const message: TaskMessage = {
  id: 'id-1',
  task: 'demo.task',
  args: [1],
  kwargs: { a: 1 },
  embed: { callbacks: null, errbacks: null, chain: null, chord: null },
  rootId: 'root-1',
  parentId: 'parent-1',
  groupId: null,
  groupIndex: null,
  shadow: null,
  eta: null,
  expires: null,
  retries: 2,
  timeLimit: { hard: null, soft: null },
  ignoreResult: false,
  origin: 'gen1@host',
  lang: 'py',
  extraHeaders: { 'x-tenant': 'acme' },
  correlationId: 'id-1',
  replyTo: 'replies',
  priority: null,
};

const ctx = new TaskContext(
  message,
  { exchange: '', routingKey: 'celery', redelivered: false },
  'celery',
  'celeriac@test',
  new TaskAbort(),
);

/** What ctx.retry() threw. */
function thrownBy(options?: RetryOptions): unknown {
  try {
    if (options === undefined) ctx.retry();
    else ctx.retry(options);
  } catch (err: unknown) {
    return err;
  }
  return 'nothing was thrown';
}

describe('TaskContext', () => {
  it('exposes the message fields', () => {
    expect(ctx).toMatchObject({
      id: 'id-1',
      name: 'demo.task',
      retries: 2,
      rootId: 'root-1',
      parentId: 'parent-1',
      queue: 'celery',
      hostname: 'celeriac@test',
      headers: { 'x-tenant': 'acme' },
    });
  });

  describe('signal', () => {
    it('is the task abort signal, aborted with its reason', () => {
      const abort = new TaskAbort();
      const own = new TaskContext(
        message,
        { exchange: '', routingKey: 'celery', redelivered: false },
        'celery',
        'celeriac@test',
        abort,
      );
      expect(own.signal).toBe(abort.signal);
      expect(own.signal.aborted).toBe(false);
      const reason = new Error('worker shutdown');
      abort.abort(reason);
      expect(own.signal.aborted).toBe(true);
      expect(own.signal.reason).toBe(reason);
    });

    it('does not show the task abort to a handler', () => {
      expect(Object.values(ctx).some((value) => value instanceof TaskAbort)).toBe(false);
      expect('abort' in ctx).toBe(false);
    });
  });

  describe('retry()', () => {
    it('always throws a TaskRetryError carrying the checked request', () => {
      const err = thrownBy({ countdown: 0.2 });
      expect(err).toBeInstanceOf(TaskRetryError);
      expect((err as TaskRetryError).request).toEqual({
        countdown: 0.2,
        eta: null,
        maxRetries: undefined,
      });
      expect((err as Error).message).toBe('Retry in 0.2s');
    });

    it('without options, leaves the delay to the task (defaultRetryDelay)', () => {
      const err = thrownBy();
      expect(err).toBeInstanceOf(TaskRetryError);
      expect((err as TaskRetryError).request).toEqual({
        countdown: null,
        eta: null,
        maxRetries: undefined,
      });
    });

    it('carries exc and maxRetries, and an eta given as an ISO string', () => {
      const exc = new Error('rate limited');
      const err = thrownBy({ eta: '2030-01-01T00:00:00Z', exc, maxRetries: 10 });
      expect((err as TaskRetryError).request).toEqual({
        countdown: null,
        eta: new Date('2030-01-01T00:00:00Z'),
        exc: { value: exc },
        maxRetries: 10,
      });
      expect((err as Error).message).toBe('Retry at 2030-01-01T00:00:00.000Z');
    });

    it.each([
      [{ countdown: -0.1 }, 'countdown', 'got -0.1'],
      [{ countdown: Number.NaN }, 'countdown', 'got NaN'],
      [{ countdown: 1, eta: new Date() }, 'countdown', 'not both'],
      [{ eta: 'next week' }, 'eta', 'got "next week"'],
      [{ maxRetries: -3 }, 'maxRetries', 'got -3'],
      [{ max_retries: 3 }, 'max_retries', 'not an option'],
    ])('refuses %o with InvalidRetryOptionsError naming %s', (options, field, text) => {
      const err = thrownBy(options as RetryOptions);
      expect(err).toBeInstanceOf(InvalidRetryOptionsError);
      expect((err as InvalidRetryOptionsError).field).toBe(field);
      expect((err as Error).message).toContain(text);
    });
  });
});
