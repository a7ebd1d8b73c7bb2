import type { TaskMessage } from '../message/task-message.js';
import { TaskAbort } from '../task/task-abort.js';
import type { Delivery } from '../transport/queue-consumer.js';

/**
 * A task whose handler runs now: how to stop it (it is its own `TaskAbort`, so the runner makes one
 * object per task, as before) and what `inspect active` and `query_task` report about it.
 */
export class RunningTask extends TaskAbort {
  constructor(
    readonly message: TaskMessage,
    readonly delivery: Delivery,
    /** Milliseconds since the epoch. */
    readonly startedAt: number,
  ) {
    super();
  }
}

/** A task received and not running yet: held for its eta, or waiting for a slot or its rate limit. */
export interface WaitingTask {
  readonly message: TaskMessage;
  readonly delivery: Delivery;
}
