import { TaskQueueError } from './task-queue.error.js';

/** A task was not run because it expired or was revoked (Celery's `TaskRevokedError`). */
export class TaskRevokedError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_TASK_REVOKED';

  constructor(
    readonly taskId: string,
    readonly reason: string,
  ) {
    super(`Task ${taskId} was revoked: ${reason}`);
  }
}
