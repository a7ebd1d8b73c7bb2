import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import {
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  type RetryPolicy,
  type TaskRetryOptions,
} from './retry-policy.js';

class Flaky extends Error {}

const policy = (options: TaskRetryOptions): RetryPolicy => resolveRetryPolicy(options, 'T.m');

describe('resolveRetryPolicy', () => {
  it("applies Celery's defaults", () => {
    expect(policy({})).toEqual({
      maxRetries: 3,
      autoretryFor: [],
      backoff: null,
      backoffMax: 600,
      jitter: true,
      defaultRetryDelay: 180,
    });
    expect(policy({})).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('takes true as a backoff base of 1 s, a number as the base, null maxRetries as no limit', () => {
    expect(policy({ retryBackoff: true }).backoff).toBe(1);
    expect(policy({ retryBackoff: 0.25 }).backoff).toBe(0.25);
    expect(policy({ retryBackoff: false }).backoff).toBeNull();
    expect(policy({ maxRetries: null }).maxRetries).toBeNull();
    expect(policy({ maxRetries: 0 }).maxRetries).toBe(0);
    expect(policy({ autoretryFor: [Error, Flaky] }).autoretryFor).toEqual([Error, Flaky]);
  });

  it.each([
    [{ maxRetries: -1 }, 'maxRetries', '-1'],
    [{ maxRetries: 1.5 }, 'maxRetries', '1.5'],
    [{ retryBackoff: 0 }, 'retryBackoff', '0'],
    [{ retryBackoff: -2 }, 'retryBackoff', '-2'],
    [{ retryBackoffMax: 0 }, 'retryBackoffMax', '0'],
    [{ retryBackoffMax: Infinity }, 'retryBackoffMax', 'Infinity'],
    [{ defaultRetryDelay: -1 }, 'defaultRetryDelay', '-1'],
    [{ defaultRetryDelay: NaN }, 'defaultRetryDelay', 'NaN'],
    [{ retryJitter: 'yes' }, 'retryJitter', '"yes"'],
    [{ autoretryFor: Error }, 'autoretryFor', 'a function'],
    [{ autoretryFor: [Flaky, 'Error'] }, 'autoretryFor[1]', '"Error"'],
    [{ autoretryFor: [Date] }, 'autoretryFor[0]', 'a function'],
  ])('refuses %o, naming the handler, %s and the value', (options, field, shown) => {
    let error: unknown;
    try {
      policy(options as TaskRetryOptions);
    } catch (err: unknown) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as InvalidTaskOptionsError).field).toBe(field);
    expect((error as Error).message).toContain('T.m');
    expect((error as Error).message).toContain(`"${field}"`);
    expect((error as Error).message).toContain(`got ${shown}`);
  });
});
