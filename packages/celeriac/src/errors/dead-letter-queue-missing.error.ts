import { TaskQueueError } from './task-queue.error.js';

/** `DeadLetters` was asked about a queue whose dead-letter queue does not exist on the broker. */
export class DeadLetterQueueMissingError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_DEAD_LETTER_QUEUE_MISSING';

  constructor(
    readonly queue: string,
    readonly deadLetterQueue: string,
  ) {
    super(
      `There is no dead-letter queue "${deadLetterQueue}": no worker has consumed "${queue}" on this ` +
        `broker yet (a worker declares it), or it was deleted. DeadLetters takes the task queue's name ` +
        `("celery"), not the dead-letter queue's ("celery.dead").`,
    );
  }
}
