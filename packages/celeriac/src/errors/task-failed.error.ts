import { TaskQueueError } from './task-queue.error.js';

/**
 * A task ended in FAILURE on its worker. Carries the remote exception as Celery serializes it, so a
 * failure raised by a Python worker (`ValueError('boom')`) reads the same as one raised by ours.
 */
export class TaskFailedError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_TASK_FAILED';

  constructor(
    readonly taskId: string,
    /** Remote exception class, e.g. `ValueError`. */
    readonly excType: string,
    /** Remote exception args (Celery's `exc_message`). */
    readonly excMessage: readonly unknown[],
    /** Remote exception module, e.g. `builtins`. */
    readonly excModule: string,
    /** The worker's traceback or stack, when it sent one. */
    readonly traceback: string | null,
  ) {
    super(`Task ${taskId} failed: ${excType}: ${excMessage.map((m) => String(m)).join(', ')}`);
  }
}
