import { TaskQueueError } from './task-queue.error.js';

/** Why a result cannot be waited for. */
export type ResultUnavailableReason =
  /** rpc://: more than `maxTrackedResults` results were awaited; this, the oldest, was dropped. */
  | 'evicted'
  /** The client (its result backend) closed while `get()` waited. */
  | 'closed'
  /** The result store (Redis) could not be reached within the wait. */
  | 'unreachable'
  /** The backend cannot do this (e.g. `forget()` or chords on rpc://). */
  | 'unsupported';

/** A result that will not come through this handle, and why (see `reason`). The task may still run. */
export class ResultUnavailableError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_RESULT_UNAVAILABLE';

  constructor(
    readonly taskId: string,
    readonly reason: ResultUnavailableReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`No result for task ${taskId}: ${detail}`, options);
  }
}
