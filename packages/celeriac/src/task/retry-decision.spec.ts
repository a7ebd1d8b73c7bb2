import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TaskRetryError } from '../errors/task-retry.error.js';
import { backoffDelay, decideRetry, type RetryDecision } from './retry-decision.js';
import { checkRetryOptions, type RetryOptions } from './retry-options.js';
import {
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  type RetryPolicy,
  type TaskRetryOptions,
} from './retry-policy.js';

class Flaky extends Error {}
class Flakier extends Flaky {}
class Other extends Error {}

const NOW = Date.parse('2026-01-01T00:00:00Z');
const policy = (options: TaskRetryOptions): RetryPolicy => resolveRetryPolicy(options, 'T.m');
const retryOf = (options: RetryOptions): TaskRetryError =>
  new TaskRetryError(checkRetryOptions(options));

/** A decision without the parts that are objects, for table comparisons. */
function summary(d: RetryDecision): string {
  return d.action === 'retry' ? `retry ${d.delaySeconds}s` : `fail ${d.why}`;
}

describe('decideRetry', () => {
  const decide = (
    p: RetryPolicy,
    thrown: unknown,
    retries: number,
    random: () => number = () => 0.5,
  ): RetryDecision => decideRetry({ policy: p, thrown, retries, now: NOW, random });

  const auto = policy({ autoretryFor: [Flaky], retryBackoff: true, retryJitter: false });

  it.each<[string, RetryPolicy, unknown, number, string]>([
    [
      'no autoretryFor: any error fails',
      DEFAULT_RETRY_POLICY,
      new Flaky(),
      0,
      'fail not-retryable',
    ],
    ['an unlisted error fails', auto, new Other(), 0, 'fail not-retryable'],
    ['a thrown string fails', auto, 'boom', 0, 'fail not-retryable'],
    ['a listed error retries after 1 s', auto, new Flaky(), 0, 'retry 1s'],
    ['a subclass of a listed error retries', auto, new Flakier(), 0, 'retry 1s'],
    ['backoff doubles: 2 s on the second retry', auto, new Flaky(), 1, 'retry 2s'],
    ['backoff doubles: 4 s on the third', auto, new Flaky(), 2, 'retry 4s'],
    ['retries 3 of maxRetries 3: gives up', auto, new Flaky(), 3, 'fail max-retries-exceeded'],
    [
      'NonRetryableError fails even when it matches',
      policy({ autoretryFor: [Error] }),
      new NonRetryableError('no'),
      0,
      'fail non-retryable',
    ],
    [
      'a non-retryable code from another copy of the package fails',
      policy({ autoretryFor: [Error] }),
      Object.assign(new Error('no'), { code: 'TASK_QUEUE_NON_RETRYABLE' }),
      0,
      'fail non-retryable',
    ],
    [
      'without backoff, autoretry waits defaultRetryDelay',
      policy({ autoretryFor: [Flaky], defaultRetryDelay: 7 }),
      new Flaky(),
      0,
      'retry 7s',
    ],
    [
      'backoff is capped by retryBackoffMax',
      policy({ autoretryFor: [Flaky], retryBackoff: 10, retryBackoffMax: 25, retryJitter: false }),
      new Flaky(),
      2,
      'retry 25s',
    ],
    [
      'a fractional base: 0.05, 0.1, 0.2…',
      policy({ autoretryFor: [Flaky], retryBackoff: 0.05, retryJitter: false }),
      new Flaky(),
      2,
      'retry 0.2s',
    ],
    [
      'maxRetries null never gives up',
      policy({ autoretryFor: [Flaky], maxRetries: null, retryBackoff: 1, retryJitter: false }),
      new Flaky(),
      1000,
      'retry 600s',
    ],
    [
      'maxRetries 0 never retries',
      policy({ autoretryFor: [Flaky], maxRetries: 0 }),
      new Flaky(),
      0,
      'fail max-retries-exceeded',
    ],
    [
      'ctx.retry() without countdown waits 180 s',
      DEFAULT_RETRY_POLICY,
      retryOf({}),
      0,
      'retry 180s',
    ],
    [
      'ctx.retry({ countdown })',
      DEFAULT_RETRY_POLICY,
      retryOf({ countdown: 0.2 }),
      0,
      'retry 0.2s',
    ],
    [
      'ctx.retry({ eta }) waits until the eta',
      DEFAULT_RETRY_POLICY,
      retryOf({ eta: new Date(NOW + 30_000) }),
      0,
      'retry 30s',
    ],
    [
      'ctx.retry({ eta }) in the past runs at once',
      DEFAULT_RETRY_POLICY,
      retryOf({ eta: new Date(NOW - 5_000) }),
      0,
      'retry 0s',
    ],
    [
      'ctx.retry() needs no autoretryFor, and stops at maxRetries',
      DEFAULT_RETRY_POLICY,
      retryOf({ countdown: 1 }),
      3,
      'fail max-retries-exceeded',
    ],
    [
      'ctx.retry({ maxRetries }) overrides the task',
      DEFAULT_RETRY_POLICY,
      retryOf({ countdown: 1, maxRetries: 5 }),
      4,
      'retry 1s',
    ],
    [
      'ctx.retry({ maxRetries: null }) has no limit',
      DEFAULT_RETRY_POLICY,
      retryOf({ countdown: 1, maxRetries: null }),
      99,
      'retry 1s',
    ],
    [
      'ctx.retry({ exc: NonRetryableError }) fails',
      DEFAULT_RETRY_POLICY,
      retryOf({ countdown: 1, exc: new NonRetryableError('no') }),
      0,
      'fail non-retryable',
    ],
    [
      'a bad ctx.retry() call is never retried',
      policy({ autoretryFor: [Error] }),
      new InvalidRetryOptionsError('countdown', 'bad'),
      0,
      'fail non-retryable',
    ],
  ])('%s', (_title, p, thrown, retries, expected) => {
    expect(summary(decide(p, thrown, retries))).toBe(expected);
  });

  it('sets the eta to now + delay', () => {
    const d = decide(auto, new Flaky(), 2);
    expect(d.action === 'retry' && d.eta.getTime()).toBe(NOW + 4_000);
  });

  it('reports the thrown error for automatic retries and when giving up', () => {
    const error = new Flaky('x');
    expect(decide(auto, error, 0).report).toEqual({ value: error });
    expect(decide(auto, error, 3).report).toEqual({ value: error });
  });

  it("reports ctx.retry()'s exc, or null (Celery's own exception) without one", () => {
    const exc = new Other('rate limited');
    expect(decide(DEFAULT_RETRY_POLICY, retryOf({ exc }), 0).report).toEqual({ value: exc });
    expect(decide(DEFAULT_RETRY_POLICY, retryOf({ exc }), 3).report).toEqual({ value: exc });
    expect(decide(DEFAULT_RETRY_POLICY, retryOf({}), 0).report).toBeNull();
    expect(decide(DEFAULT_RETRY_POLICY, retryOf({}), 3).report).toBeNull();
  });

  it('full jitter: the random fraction of the backoff, from 0 up to the whole of it', () => {
    const jittered = policy({ autoretryFor: [Flaky], retryBackoff: 4 });
    const delays = [0, 0.25, 0.999].map((r) => {
      const d = decide(jittered, new Flaky(), 2, () => r);
      return d.action === 'retry' ? d.delaySeconds : null;
    });
    // 4 * 2^2 = 16 s before jitter.
    expect(delays).toEqual([0, 4, 15.984]);
  });

  it('jitter never applies to an explicit countdown', () => {
    const d = decide(DEFAULT_RETRY_POLICY, retryOf({ countdown: 3 }), 0, () => 0);
    expect(summary(d)).toBe('retry 3s');
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 600, 0, 1],
    [1, 600, 1, 2],
    [1, 600, 5, 32],
    [1, 600, 10, 600],
    [3, 600, 2, 12],
    [1, 600, 5000, 600],
  ])('base %d, max %d, retries %d: %d s without jitter', (base, max, retries, expected) => {
    expect(backoffDelay(base, max, false, retries, () => 0.5)).toBe(expected);
  });

  it('with jitter scales by the random draw', () => {
    expect(backoffDelay(1, 600, true, 3, () => 0.5)).toBe(4);
  });
});
