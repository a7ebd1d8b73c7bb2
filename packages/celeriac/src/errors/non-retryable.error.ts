import { TaskQueueError } from './task-queue.error.js';

/** `code` of {@link NonRetryableError}; the worker checks the code, so it works across copies of the package. */
export const NON_RETRYABLE_CODE = 'TASK_QUEUE_NON_RETRYABLE';

/**
 * Throw from a task handler to fail the task at once: it is never retried, not even when it matches the
 * task's `autoretryFor` (BullMQ's `UnrecoverableError`). The caller gets FAILURE with this error and the
 * message is dead-lettered. Pass the underlying error as `cause` to keep it in the worker's log.
 *
 * @example
 * if (!order) throw new NonRetryableError(`order ${id} does not exist`);
 */
export class NonRetryableError extends TaskQueueError {
  readonly code = NON_RETRYABLE_CODE;
}
