import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { TimeLimits } from '../message/task-message.js';
import { parseRateLimit } from './rate-limit.js';

/** Per-task limits of `@Task()`, Celery's names in camelCase. */
export interface TaskLimitOptions {
  /**
   * Hard time limit in seconds: past it the task fails with `TimeLimitExceeded` and its slot is freed.
   * A call's own `timeLimit` (Celery's `timelimit` header) wins.
   */
  timeLimit?: number;
  /**
   * Soft time limit in seconds: past it `ctx.signal` aborts with a `SoftTimeLimitExceeded` reason, so
   * the handler can clean up and stop. A call's own `softTimeLimit` wins.
   */
  softTimeLimit?: number;
  /** Most task starts per worker process: `'10/s'`, `'100/m'`, `'1000/h'`; tasks over it wait, they are not refused. */
  rateLimit?: string | number;
}

/** The limits after boot-time checks. */
export interface TaskLimits {
  readonly timeLimitMs: number | null;
  readonly softTimeLimitMs: number | null;
  /** Task starts per second, or null for no limit. */
  readonly ratePerSecond: number | null;
}

export const NO_LIMITS: TaskLimits = Object.freeze({
  timeLimitMs: null,
  softTimeLimitMs: null,
  ratePerSecond: null,
});

/** Checks a task's limit options at boot. @throws InvalidTaskOptionsError naming `owner` and the field */
export function resolveTaskLimits(options: Readonly<TaskLimitOptions>, owner: string): TaskLimits {
  const seconds = (field: 'timeLimit' | 'softTimeLimit'): number | null => {
    const value = options[field];
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidTaskOptionsError(
        owner,
        field,
        `must be a positive number of seconds, got ${String(value)}`,
      );
    }
    return value * 1000;
  };
  const timeLimitMs = seconds('timeLimit');
  const softTimeLimitMs = seconds('softTimeLimit');
  if (timeLimitMs !== null && softTimeLimitMs !== null && softTimeLimitMs >= timeLimitMs) {
    throw new InvalidTaskOptionsError(
      owner,
      'softTimeLimit',
      `must be below timeLimit (${timeLimitMs / 1000} s), got ${softTimeLimitMs / 1000}`,
    );
  }
  let ratePerSecond: number | null = null;
  if (options.rateLimit !== undefined) {
    try {
      ratePerSecond = parseRateLimit(options.rateLimit);
    } catch (err: unknown) {
      throw new InvalidTaskOptionsError(
        owner,
        'rateLimit',
        err instanceof Error ? err.message : String(err),
      );
    }
  }
  return Object.freeze({ timeLimitMs, softTimeLimitMs, ratePerSecond });
}

/**
 * The limits that apply to one call: the message's `timelimit` header (what the caller asked, Python's
 * `time_limit=`/`soft_time_limit=`) over the task's own.
 */
export function effectiveTimeLimits(
  fromMessage: TimeLimits,
  task: TaskLimits,
): { readonly hardMs: number | null; readonly softMs: number | null } {
  if (
    fromMessage.hard === null &&
    fromMessage.soft === null &&
    task.timeLimitMs === null &&
    task.softTimeLimitMs === null
  ) {
    return NO_TIME_LIMITS; // the common case, without an object per task
  }
  return {
    hardMs: seconds(fromMessage.hard) ?? task.timeLimitMs,
    softMs: seconds(fromMessage.soft) ?? task.softTimeLimitMs,
  };
}

const NO_TIME_LIMITS = { hardMs: null, softMs: null } as const;

/** A limit in seconds from a message header, in ms; null when absent, zero or not finite. */
function seconds(s: number | null): number | null {
  return s !== null && Number.isFinite(s) && s > 0 ? s * 1000 : null;
}
