import { TaskQueueError } from './task-queue.error.js';

/**
 * A task or result could not be turned into an AMQP message: a value JSON cannot carry (BigInt, a cycle),
 * an invalid date, or a field outside what the protocol allows. Thrown before anything is published.
 */
export class MessageEncodeError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_MESSAGE_ENCODE';

  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot encode Celery message field "${field}": ${problem}`, options);
  }
}
