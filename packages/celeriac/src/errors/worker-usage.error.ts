import { TaskQueueError } from './task-queue.error.js';

/**
 * The worker's command line is wrong: an unknown flag, a bad value, or flags that do not go together.
 * `runWorker` prints the message and exits with code 2, as command-line tools do for usage errors.
 */
export class WorkerUsageError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_WORKER_USAGE';
}
