/** The exceptions Celery itself reports around retries, worded as Celery words them. */
import type { ExceptionInfo } from '../message/result-message.js';
import { argsRepr, kwargsRepr } from '../message/python-repr.js';

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
