import { TaskQueueError } from './task-queue.error.js';

/**
 * `ctx.retry()` was called with a bad option. Thrown from inside the handler, so the task fails with it;
 * a programming error is never retried.
 */
export class InvalidRetryOptionsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_RETRY_OPTIONS';

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid ctx.retry() option "${field}": ${problem}`);
  }
}
