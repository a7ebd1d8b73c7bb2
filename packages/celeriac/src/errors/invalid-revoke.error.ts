import { TaskQueueError } from './task-queue.error.js';

/** An argument of `TaskClient.revoke()` is wrong; nothing was published. */
export class InvalidRevokeError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_REVOKE';

  constructor(
    /** `taskIds`, `taskIds[3]`, `terminate`, `reason`, ... */
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid revoke argument "${field}": ${problem}`);
  }
}
