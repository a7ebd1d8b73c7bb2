import { taskRevoked } from '../message/exception-info.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskAbort } from '../task/task-abort.js';
import type { Rejection } from '../results/task-reporter.js';
import { TERMINATED } from './termination.js';

/** What the task runner asks about revocations (implemented by `RevocationListener`). */
export interface RevocationGate {
  /**
   * True when the task id was revoked within the retention window. While the worker re-reads the stream
   * after a reconnect, this waits (briefly) until it has caught up, and only then answers with a promise:
   * the runner asks twice per task, and an answer it has to await costs a promise and a turn each time.
   */
  isRevoked(taskId: string): boolean | Promise<boolean>;
  /** True when a revocation of this id asked to terminate it: a handler that ran is reported REVOKED. */
  wasTerminated(taskId: string): boolean;
  /**
   * The handler's promise, except that once a terminate aborted the task it settles within the grace
   * (`revocation.terminateGraceMs`), rejecting with the abort reason if the handler ignores its signal.
   */
  whileRunning(message: TaskMessage, abort: TaskAbort, running: Promise<unknown>): Promise<unknown>;
}

/**
 * How a revoked task is refused: REVOKED with Celery's `TaskRevokedError('revoked')` (or `'terminated'` for
 * one stopped while running) to its caller, and a dead letter with reason `revoked`.
 */
export function revokedRejection(
  message: TaskMessage,
  how: 'revoked' | typeof TERMINATED,
): Rejection {
  return {
    reason: 'revoked',
    detail:
      how === TERMINATED
        ? 'revoked with terminate while running; the handler was aborted'
        : 'revoked before it started',
    taskId: message.id,
    task: message.task,
    replyTo: message.replyTo,
    correlationId: message.correlationId,
    exception: taskRevoked(how),
    state: 'REVOKED',
    retries: message.retries,
  };
}
