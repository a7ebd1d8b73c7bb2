import { TaskQueueError } from './task-queue.error.js';
import { failureText, jsNameOf, remoteError } from './remote-failure.js';

/**
 * A task ended in FAILURE on its worker. Carries the remote exception as Celery serializes it, so a
 * failure raised by a Python worker (`ValueError('boom')`) reads the same as one raised by ours.
 *
 * It reads in TypeScript terms: an `Error('boom')` thrown by a Nest handler gives the message
 * `Task <id> failed: Error: boom` (`errorType` is `'Error'`, though the wire says Python's `Exception`), a
 * time limit reads as a sentence, and the worker's stack is the `cause`, so a test runner or
 * `console.error` prints both stacks.
 */
export class TaskFailedError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_TASK_FAILED';
  /** The remote error's class as its author named it: the JS name from a Node worker, else `excType`. */
  readonly errorType: string;

  constructor(
    readonly taskId: string,
    /** Remote exception class on the wire, e.g. `ValueError` (Celery's `exc_type`). */
    readonly excType: string,
    /** Remote exception args (Celery's `exc_message`). */
    readonly excMessage: readonly unknown[],
    /** Remote exception module, e.g. `builtins`. */
    readonly excModule: string,
    /** The worker's traceback or stack, when it sent one. */
    readonly traceback: string | null,
  ) {
    const errorType = jsNameOf(traceback) ?? excType;
    const text = failureText(excType, excModule, excMessage);
    const cause = remoteError(errorType, text, traceback);
    super(`Task ${taskId} failed: ${errorType}: ${text}`, cause ? { cause } : undefined);
    this.errorType = errorType;
  }
}
