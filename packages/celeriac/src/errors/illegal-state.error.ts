import { TaskQueueError } from './task-queue.error.js';

/** A lifecycle call at the wrong time (publishing after close, listening twice, ...). */
export class IllegalStateError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_ILLEGAL_STATE';
}
