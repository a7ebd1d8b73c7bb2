import { TaskQueueError } from './task-queue.error.js';

/** `AsyncResult.get()` saw no final state within its timeout. The task may still run. */
export class ResultTimeoutError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_RESULT_TIMEOUT';

  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
    readonly lastState: string,
  ) {
    super(
      `No result for task ${taskId} within ${timeoutMs} ms (last state ${lastState}). ` +
        `Is a worker consuming its queue?`,
    );
  }
}
