import { TaskQueueError } from './task-queue.error.js';

/** A `@Task()` option is wrong. Thrown at boot, naming the handler (`Class.method`), the field and the value. */
export class InvalidTaskOptionsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_TASK_OPTIONS';

  constructor(
    /** The handler, `Class.method`. */
    readonly owner: string,
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid @Task option "${field}" on ${owner}: ${problem}`);
  }
}
