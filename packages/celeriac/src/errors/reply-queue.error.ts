import { TaskQueueError } from './task-queue.error.js';

/**
 * This process's `rpc://` reply queue could not be declared and consumed in time although the broker was
 * reachable (the channel closed during setup, a permission refused): results cannot be received.
 */
export class ReplyQueueError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_REPLY_QUEUE';

  constructor(
    readonly queue: string,
    readonly timeoutMs: number,
    /** The last setup error, if there was one. */
    reason: string | null,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot receive results: the reply queue "${queue}" was not consuming within ${timeoutMs} ms` +
        `${reason === null ? '' : ` (${reason})`}. Check the user's permissions on the vhost; a later ` +
        `send tries again.`,
      options,
    );
  }
}
