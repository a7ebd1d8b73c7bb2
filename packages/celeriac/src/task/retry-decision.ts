/**
 * Retries, as Celery 5.2 decides them (celery-protocol.md §10): pure functions of the task's retry policy,
 * what the handler threw, how often the task was retried already, the clock and a random source. The
 * worker (`FailureHandler`) acts on the decision; nothing here touches the broker.
 */
import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { NON_RETRYABLE_CODE } from '../errors/non-retryable.error.js';
import { TaskRetryError } from '../errors/task-retry.error.js';
import { hasErrorCode } from '../errors/task-queue.error.js';
import type { RetryPolicy } from './retry-policy.js';

/** What to report: a thrown value, or null for Celery's own exception (`Retry`, `MaxRetriesExceededError`). */
export type Reported = { readonly value: unknown } | null;

/** Why a task fails instead of retrying. */
export type FailReason = 'not-retryable' | 'non-retryable' | 'max-retries-exceeded';

export type RetryDecision =
  | {
      readonly action: 'retry';
      readonly delaySeconds: number;
      readonly eta: Date;
      readonly report: Reported;
      readonly maxRetries: number | null;
    }
  | {
      readonly action: 'fail';
      readonly why: FailReason;
      readonly report: Reported;
      readonly maxRetries: number | null;
    };

export interface RetryInput {
  readonly policy: RetryPolicy;
  /** What the handler threw (a `TaskRetryError` for `ctx.retry()`). */
  readonly thrown: unknown;
  /** `retries` of the message that ran: 0 on the first run. */
  readonly retries: number;
  /** Epoch milliseconds. */
  readonly now: number;
  /** A uniform random number in [0, 1), for jitter. */
  readonly random: () => number;
}

/**
 * Retry or fail, and when. A `ctx.retry()` retries unless the retry would exceed its `maxRetries` (then it
 * fails with `exc`, or `MaxRetriesExceededError` without one); any other error retries only when it is an
 * instance of an `autoretryFor` class, with the backoff if one is set. A `NonRetryableError` never retries,
 * whether thrown or passed as `exc`.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const { policy, thrown, retries, now } = input;
  if (thrown instanceof TaskRetryError) {
    const { request } = thrown;
    const maxRetries = request.maxRetries === undefined ? policy.maxRetries : request.maxRetries;
    const report = request.exc ?? null;
    if (report && isNonRetryable(report.value))
      return { action: 'fail', why: 'non-retryable', report, maxRetries };
    if (exceeds(retries, maxRetries))
      return { action: 'fail', why: 'max-retries-exceeded', report, maxRetries };
    if (request.eta) {
      const delaySeconds = Math.max(0, (request.eta.getTime() - now) / 1000);
      return { action: 'retry', delaySeconds, eta: request.eta, report, maxRetries };
    }
    return retryIn(request.countdown ?? policy.defaultRetryDelay, now, report, maxRetries);
  }
  const report = { value: thrown };
  const { maxRetries } = policy;
  if (isNonRetryable(thrown)) return { action: 'fail', why: 'non-retryable', report, maxRetries };
  if (!policy.autoretryFor.some((cls) => thrown instanceof cls))
    return { action: 'fail', why: 'not-retryable', report, maxRetries };
  if (exceeds(retries, maxRetries))
    return { action: 'fail', why: 'max-retries-exceeded', report, maxRetries };
  const delay =
    policy.backoff === null
      ? policy.defaultRetryDelay
      : backoffDelay(policy.backoff, policy.backoffMax, policy.jitter, retries, input.random);
  return retryIn(delay, now, report, maxRetries);
}

/**
 * Celery's `get_exponential_backoff_interval`: `min(max, base * 2^retries)`, then with full jitter a random
 * delay between 0 and that (Celery draws whole seconds; we keep fractions, so sub-second bases work).
 */
export function backoffDelay(
  base: number,
  max: number,
  jitter: boolean,
  retries: number,
  random: () => number,
): number {
  const delay = Math.min(max, base * 2 ** retries);
  return jitter ? random() * delay : delay;
}

function retryIn(
  delaySeconds: number,
  now: number,
  report: Reported,
  maxRetries: number | null,
): RetryDecision {
  return {
    action: 'retry',
    delaySeconds,
    eta: new Date(now + delaySeconds * 1000),
    report,
    maxRetries,
  };
}

/** Celery: the retry would be number `retries + 1`, which must not exceed `maxRetries`. */
function exceeds(retries: number, maxRetries: number | null): boolean {
  return maxRetries !== null && retries + 1 > maxRetries;
}

/** A NonRetryableError (from any copy of the package), or a bad `ctx.retry()` call: a bug, not bad luck. */
function isNonRetryable(value: unknown): boolean {
  return value instanceof InvalidRetryOptionsError || hasErrorCode(value, NON_RETRYABLE_CODE);
}
