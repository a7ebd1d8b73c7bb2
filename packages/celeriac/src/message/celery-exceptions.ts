/**
 * Celery's own exceptions, as a worker reports them in results (celery-protocol.md §6, §9). A Python
 * client has these modules loaded, so it re-raises the real classes.
 */

import type { ExceptionInfo } from './result-message.js';

/** The task name is not registered on this worker (FAILURE); `exc_message` is `[name]`. */
export function notRegistered(name: string): ExceptionInfo {
  return { excType: 'NotRegistered', excModule: 'celery.exceptions', excMessage: [name] };
}

/**
 * The message is not a task we can run (undecodable, bad headers...). Celery raises
 * `celery.exceptions.InvalidTaskError` for such messages; the one argument says why.
 */
export function invalidTask(reason: string): ExceptionInfo {
  return { excType: 'InvalidTaskError', excModule: 'celery.exceptions', excMessage: [reason] };
}

/**
 * The task expired or was revoked before it ran, or was terminated while running (REVOKED); `exc_message`
 * is `[reason]`, as a Celery 5.2 worker reports it.
 */
export function taskRevoked(reason: 'expired' | 'revoked' | 'terminated'): ExceptionInfo {
  return { excType: 'TaskRevokedError', excModule: 'celery.exceptions', excMessage: [reason] };
}

/** The hard time limit killed the task (FAILURE); Celery passes the limit in seconds as the only arg. */
export function timeLimitExceeded(seconds: number): ExceptionInfo {
  return { excType: 'TimeLimitExceeded', excModule: 'billiard.exceptions', excMessage: [seconds] };
}

/** The soft time limit was reached; billiard raises it without arguments. */
export function softTimeLimitExceeded(): ExceptionInfo {
  return { excType: 'SoftTimeLimitExceeded', excModule: 'billiard.exceptions', excMessage: [] };
}
