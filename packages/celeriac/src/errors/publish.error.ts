import { TaskQueueError } from './task-queue.error.js';

/** The broker did not confirm a publish (nack, channel error, or no confirm before the deadline). */
export class PublishError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_PUBLISH_FAILED';

  constructor(
    readonly what: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The broker did not confirm ${what}: ${reason}`, options);
  }
}
