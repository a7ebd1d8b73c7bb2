import { TaskQueueError } from './task-queue.error.js';

/** A module or worker option is wrong. Thrown at boot, naming the field and the value it got. */
export class InvalidOptionsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_OPTIONS';

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid Celeriac option "${field}": ${problem}`);
  }
}
