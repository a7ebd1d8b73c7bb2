import { TaskQueueError } from './task-queue.error.js';

/**
 * The broker returned a mandatory publish: no queue is bound to that exchange with that routing key
 * (or the exchange does not exist). Nothing was enqueued.
 */
export class UnroutableError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_UNROUTABLE';

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    reason: string,
  ) {
    super(
      `No queue received the message published to exchange "${exchange || '(default)'}" with routing key ` +
        `"${routingKey}" (${reason}). Declare and bind a queue for it, or fix the route.`,
    );
  }
}
