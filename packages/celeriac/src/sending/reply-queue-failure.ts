import { BrokerUnreachableError } from '../errors/broker-unreachable.error.js';
import { toError } from '../errors/error-text.js';
import { PublishError } from '../errors/publish.error.js';
import { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { ReplyQueueError } from '../errors/reply-queue.error.js';

/**
 * The error a send gets when its reply queue was not ready within `timeoutMs`: the errors `send()`
 * documents, with the original as `cause`. Nothing was published, so sending again cannot duplicate.
 */
export function replyQueueFailure(
  err: unknown,
  what: string,
  timeoutMs: number,
  connection: { describeState(): string },
): Error {
  if (err instanceof BrokerUnreachableError) {
    return new PublishTimeoutError(
      what,
      'unreachable',
      false,
      timeoutMs,
      connection.describeState(),
      { cause: err },
    );
  }
  if (err instanceof ReplyQueueError) {
    return new PublishError(what, `it was not sent: ${err.message}`, { cause: err });
  }
  return toError(err);
}
