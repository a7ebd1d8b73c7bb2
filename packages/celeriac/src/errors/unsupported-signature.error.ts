import { TaskQueueError } from './task-queue.error.js';

/**
 * A signature in a message's `embed` that Celeriac cannot turn into a task (a chord, or a shape Celery
 * never sends). The step fails loudly instead of being skipped (celery-protocol.md §4).
 */
export class UnsupportedSignatureError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_UNSUPPORTED_SIGNATURE';

  constructor(
    reason: string,
    /** The step's pre-assigned id and reply queue, when it had them, so its caller can be told. */
    readonly taskId: string | null,
    readonly replyTo: string | null,
  ) {
    super(reason);
  }
}
