import { TaskQueueError } from './task-queue.error.js';

/** A task body is larger than `maxPayloadBytes`; it was not published. */
export class PayloadTooLargeError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_PAYLOAD_TOO_LARGE';

  constructor(
    readonly task: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `Task "${task}" encodes to ${bytes} bytes, above maxPayloadBytes (${limit}). ` +
        `Pass a reference (an id or a URL) instead of the data, or raise maxPayloadBytes on clients and workers.`,
    );
  }
}
