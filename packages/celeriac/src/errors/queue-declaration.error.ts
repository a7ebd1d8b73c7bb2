import { errorMessage } from './error-text.js';
import { TaskQueueError } from './task-queue.error.js';

/** AMQP reply code of a declaration whose arguments differ from the existing queue's. */
const PRECONDITION_FAILED = 406;

/**
 * RabbitMQ refused to declare a queue (or its exchange or bindings): most often it exists with other
 * arguments than the options say (406: another type, dead-lettering, priority), or the user lacks the
 * permission (403).
 */
export class QueueDeclarationError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_QUEUE_DECLARATION';

  constructor(
    readonly queue: string,
    cause: unknown,
  ) {
    const hint =
      (cause as { code?: unknown } | null)?.code === PRECONDITION_FAILED
        ? 'It exists with other arguments than the options declare: align the queues option with it, or ' +
          `delete the queue (once empty) so it is declared again ('rabbitmqctl delete_queue ${queue}').`
        : "Check the user's permissions on the vhost.";
    super(`RabbitMQ refused to declare queue "${queue}": ${errorMessage(cause)}. ${hint}`, {
      cause,
    });
  }
}
