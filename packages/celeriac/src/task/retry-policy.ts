/**
 * A task's retry options (`@Task({ maxRetries, autoretryFor, ... })`), checked once at discovery and with
 * Celery's defaults applied. What a retry then does is decided in `retry-decision.ts`.
 */
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import { isCount, isDelay, isPositive } from './option-checks.js';

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

function isErrorClass(value: unknown): value is ErrorClass {
  return (
    typeof value === 'function' &&
    (value === Error || (value as { prototype?: unknown }).prototype instanceof Error)
  );
}
