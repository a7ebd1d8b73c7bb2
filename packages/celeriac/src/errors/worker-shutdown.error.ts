import { TaskQueueError } from './task-queue.error.js';

/**
 * The reason a running task's `ctx.signal` aborts when its worker shuts down and the grace period is over.
 * The task is left unacked for the broker to deliver again, so a handler that stops on it (as it should)
 * produces no FAILURE and no dead letter: its one outcome is the run on the next worker.
 */
export class WorkerShutdownError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_WORKER_SHUTDOWN';

  constructor(graceMs: number) {
    super(
      `The worker is shutting down and its grace of ${graceMs} ms is over: the task is left unacked, ` +
        'so the broker delivers it again to another worker',
    );
  }
}
