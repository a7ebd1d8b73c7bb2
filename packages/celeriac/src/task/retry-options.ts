/** What a handler may pass to `ctx.retry()`, and the check that turns it into a `RetryRequest`. */
import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import type { RetryRequest } from '../errors/task-retry.error.js';
import { parseCeleryDate } from '../message/celery-date.js';
import { isCount, isDelay } from './option-checks.js';

/** The options of `ctx.retry()`, named after Celery's `Task.retry()`. */
export interface RetryOptions {
  /** Run again this many seconds from now. Excludes `eta`. Default: the task's `defaultRetryDelay`. */
  countdown?: number;
  /** Run again at this instant (a Date or an ISO-8601 string). Excludes `countdown`. */
  eta?: Date | string;
  /** The error to report: the RETRY result carries it, and the FAILURE once retries are exhausted. */
  exc?: unknown;
  /** Overrides the task's `maxRetries` for this call; `null` for no limit. */
  maxRetries?: number | null;
}

const RETRY_OPTION_KEYS: ReadonlySet<string> = new Set(['countdown', 'eta', 'exc', 'maxRetries']);

/**
 * Checks what a handler passed to `ctx.retry()`.
 * @throws InvalidRetryOptionsError naming the field and the value
 */
export function checkRetryOptions(options: RetryOptions): RetryRequest {
  const bad = (field: string, problem: string, value: unknown): InvalidRetryOptionsError =>
    new InvalidRetryOptionsError(field, `${problem}, got ${describeValue(value)}`);
  if (typeof options !== 'object' || (options as unknown) === null)
    throw bad('options', 'must be an object', options);
  for (const key of Object.keys(options)) {
    if (!RETRY_OPTION_KEYS.has(key))
      throw new InvalidRetryOptionsError(key, 'is not an option of ctx.retry()');
  }
  const { countdown, eta, maxRetries } = options as Record<string, unknown>;
  if (countdown !== undefined && eta !== undefined)
    throw new InvalidRetryOptionsError('countdown', 'give either countdown or eta, not both');
  let delay: number | null = null;
  if (countdown !== undefined) {
    if (!isDelay(countdown))
      throw bad('countdown', 'must be a non-negative number of seconds', countdown);
    delay = countdown;
  }
  let when: Date | null = null;
  if (eta instanceof Date) {
    if (Number.isNaN(eta.getTime()))
      throw new InvalidRetryOptionsError('eta', 'must be a valid Date, got an invalid Date');
    when = eta;
  } else if (eta !== undefined) {
    when = parseCeleryDate(eta);
    if (!when) throw bad('eta', 'must be a Date or an ISO-8601 string', eta);
  }
  let limit: number | null | undefined;
  if (maxRetries === undefined || maxRetries === null) limit = maxRetries;
  else if (isCount(maxRetries)) limit = maxRetries;
  else throw bad('maxRetries', 'must be a non-negative integer, or null for no limit', maxRetries);
  const request: RetryRequest = { countdown: delay, eta: when, maxRetries: limit };
  return 'exc' in options ? { ...request, exc: { value: options.exc } } : request;
}
