/**
 * Retries, as Celery 5.2 decides them (celery-protocol.md §10): pure functions of the task's options, what
 * the handler threw, how often the task was retried already, the clock and a random source. The worker
 * (`FailureHandler`) acts on the decision; nothing here touches the broker.
 */
import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { NON_RETRYABLE_CODE } from '../errors/non-retryable.error.js';
import { TaskRetryError, type RetryRequest } from '../errors/task-retry.error.js';
import { hasErrorCode } from '../errors/task-queue.error.js';
import { parseCeleryDate } from '../message/celery-date.js';
import type { ExceptionInfo } from '../message/result-message.js';
import { argsRepr, kwargsRepr } from '../message/python-repr.js';
import { describeValue } from '../errors/describe-value.js';

/** An error class, as `autoretryFor` lists them. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The retry options of `@Task()`, named after Celery's task attributes. */
export interface TaskRetryOptions {
  /**
   * Retries after the first run; once a retry would exceed it the task fails. `null`: no limit.
   * @defaultValue `3`
   */
  maxRetries?: number | null;
  /** Error classes that retry the task automatically when the handler throws one (`instanceof`). */
  autoretryFor?: readonly ErrorClass[];
  /**
   * Exponential backoff for automatic retries: `true` waits 1, 2, 4, 8… seconds; a number is the base in
   * seconds (`0.5` → 0.5, 1, 2…; Celery takes whole seconds only). Without it, automatic retries wait
   * `defaultRetryDelay`. @defaultValue `false`
   */
  retryBackoff?: boolean | number;
  /** Longest backoff, in seconds. @defaultValue `600` */
  retryBackoffMax?: number;
  /** Full jitter: each backoff is a random delay between 0 and the computed one. @defaultValue `true` */
  retryJitter?: boolean;
  /** Seconds to wait before a retry that names no countdown or eta. @defaultValue `180` */
  defaultRetryDelay?: number;
}

/** Celery's defaults for the options above. */
export const RETRY_DEFAULTS = {
  maxRetries: 3,
  retryBackoff: false,
  retryBackoffMax: 600,
  retryJitter: true,
  defaultRetryDelay: 180,
} as const satisfies TaskRetryOptions;

/** The retry options of one task, checked and with defaults applied. */
export interface RetryPolicy {
  readonly maxRetries: number | null;
  readonly autoretryFor: readonly ErrorClass[];
  /** Backoff base in seconds; null without backoff. */
  readonly backoff: number | null;
  readonly backoffMax: number;
  readonly jitter: boolean;
  readonly defaultRetryDelay: number;
}

/** The policy of a handler that declares no retry options (and of `@MessagePattern` handlers). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: RETRY_DEFAULTS.maxRetries,
  autoretryFor: Object.freeze([]),
  backoff: null,
  backoffMax: RETRY_DEFAULTS.retryBackoffMax,
  jitter: RETRY_DEFAULTS.retryJitter,
  defaultRetryDelay: RETRY_DEFAULTS.defaultRetryDelay,
});

/**
 * Checks the retry options of the handler `owner` (`Class.method`) and applies the defaults.
 * @throws InvalidTaskOptionsError naming the handler, the field and the value
 */
export function resolveRetryPolicy(options: TaskRetryOptions, owner: string): RetryPolicy {
  const bad = (field: string, problem: string, value: unknown): InvalidTaskOptionsError =>
    new InvalidTaskOptionsError(owner, field, `${problem}, got ${describeValue(value)}`);

  const maxRetries: unknown =
    options.maxRetries === undefined ? RETRY_DEFAULTS.maxRetries : options.maxRetries;
  if (maxRetries !== null && !isCount(maxRetries))
    throw bad('maxRetries', 'must be a non-negative integer, or null for no limit', maxRetries);

  const autoretryFor: unknown = options.autoretryFor ?? [];
  if (!Array.isArray(autoretryFor))
    throw bad('autoretryFor', 'must be an array of Error classes', autoretryFor);
  autoretryFor.forEach((cls: unknown, i) => {
    if (!isErrorClass(cls)) throw bad(`autoretryFor[${i}]`, 'must be an Error class', cls);
  });

  const retryBackoff: unknown = options.retryBackoff ?? RETRY_DEFAULTS.retryBackoff;
  let backoff: number | null;
  if (typeof retryBackoff === 'boolean') backoff = retryBackoff ? 1 : null;
  else if (isPositive(retryBackoff)) backoff = retryBackoff;
  else
    throw bad('retryBackoff', 'must be true, false or a positive number of seconds', retryBackoff);

  const backoffMax = options.retryBackoffMax ?? RETRY_DEFAULTS.retryBackoffMax;
  if (!isPositive(backoffMax))
    throw bad('retryBackoffMax', 'must be a positive number of seconds', backoffMax);

  const jitter: unknown = options.retryJitter ?? RETRY_DEFAULTS.retryJitter;
  if (typeof jitter !== 'boolean') throw bad('retryJitter', 'must be true or false', jitter);

  const defaultRetryDelay = options.defaultRetryDelay ?? RETRY_DEFAULTS.defaultRetryDelay;
  if (!isDelay(defaultRetryDelay))
    throw bad('defaultRetryDelay', 'must be a non-negative number of seconds', defaultRetryDelay);

  return Object.freeze({
    maxRetries,
    autoretryFor: Object.freeze([...(autoretryFor as ErrorClass[])]),
    backoff,
    backoffMax,
    jitter,
    defaultRetryDelay,
  });
}

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

/** The RETRY result's exception when `ctx.retry()` named none: Celery's `Retry`, worded as Celery does. */
export function celeryRetry(delaySeconds: number): ExceptionInfo {
  return {
    excType: 'Retry',
    excModule: 'celery.exceptions',
    excMessage: [`Retry in ${formatSeconds(delaySeconds)}s`],
  };
}

/** Celery's `MaxRetriesExceededError`, for a `ctx.retry()` without `exc` that had no retries left. */
export function maxRetriesExceeded(
  task: string,
  id: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): ExceptionInfo {
  return {
    excType: 'MaxRetriesExceededError',
    excModule: 'celery.exceptions',
    excMessage: [`Can't retry ${task}[${id}] args:${argsRepr(args)} kwargs:${kwargsRepr(kwargs)}`],
  };
}

/** Seconds for a log line or a message: at most three decimals, no trailing zeros. */
export function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
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

function isErrorClass(value: unknown): value is ErrorClass {
  return (
    typeof value === 'function' &&
    (value === Error || (value as { prototype?: unknown }).prototype instanceof Error)
  );
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isDelay(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
