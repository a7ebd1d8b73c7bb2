import { errorMessage } from './error-text.js';
import { TaskQueueError } from './task-queue.error.js';

/** AMQP reply code of a declaration whose arguments differ from the existing queue's. */
const PRECONDITION_FAILED = 406;

/**
 * The revocation stream cannot be declared or read: it exists with another retention (every process must
 * use the same `revocation.retentionMs` for one stream), a queue of that name is not a stream, or the broker
 * does not offer streams (RabbitMQ 3.9+, feature flag `stream_queue`).
 */
export class RevocationStreamError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_REVOCATION_STREAM';

  constructor(
    readonly stream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static fromDeclare(
    spec: { name: string; retentionMs: number },
    err: unknown,
  ): RevocationStreamError {
    const text = errorMessage(err);
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : null;
    if (code === PRECONDITION_FAILED) {
      return new RevocationStreamError(
        spec.name,
        `The revocation stream "${spec.name}" exists with other arguments than this process declares ` +
          `(retentionMs ${spec.retentionMs}): every process must use the same revocation.retentionMs for one ` +
          `stream. Align the option, or delete the stream so it is declared again ` +
          `('rabbitmqctl delete_queue ${spec.name}': its revocations are lost). Broker said: ${text}`,
        { cause: err },
      );
    }
    return new RevocationStreamError(
      spec.name,
      `Cannot declare the revocation stream "${spec.name}" (RabbitMQ 3.9+ with the stream_queue feature ` +
        `flag is needed): ${text}`,
      { cause: err },
    );
  }
}
