import { TaskQueueError } from './task-queue.error.js';

/**
 * A task was routed to a queue that is not configured while `createMissingQueues` is off. Without this check
 * the publish would go to a queue nobody declared, and RabbitMQ drops unroutable messages silently.
 */
export class UnknownQueueError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_UNKNOWN_QUEUE';

  constructor(readonly queue: string) {
    super(
      `Queue "${queue}" is not configured: add it to the "queues" option, or enable ` +
        `"createMissingQueues" to declare it as Celery does (a direct exchange and routing key named after it)`,
    );
  }
}
