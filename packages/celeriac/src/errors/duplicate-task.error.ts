import { TaskQueueError } from './task-queue.error.js';

/** Two handlers claim one task name. Raised at boot: a task name must map to exactly one handler. */
export class DuplicateTaskError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_DUPLICATE_TASK';

  constructor(
    readonly task: string,
    readonly first: string,
    readonly second: string,
  ) {
    super(
      `Task "${task}" is declared twice: by ${first} and by ${second}. Task names must be unique.`,
    );
  }
}
