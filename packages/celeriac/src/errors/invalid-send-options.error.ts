import { TaskQueueError } from './task-queue.error.js';

/** An option given to `TaskClient.send()` is wrong; nothing was published. */
export class InvalidSendOptionsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_SEND_OPTIONS';

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid send option "${field}": ${problem}`);
  }
}
