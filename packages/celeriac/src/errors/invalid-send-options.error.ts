import { TaskQueueError } from './task-queue.error.js';

/** An option given to `TaskClient.send()` is wrong; nothing was published. */
export class InvalidSendOptionsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_SEND_OPTIONS';

  constructor(
    readonly field: string,
    /** What is wrong with it, without the option's name. */
    readonly problem: string,
  ) {
    super(`Invalid send option "${field}": ${problem}`);
  }
}
