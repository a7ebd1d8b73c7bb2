/** How the publisher reads the broker's refusals and returns, and words its errors so a user can act. */

import type { ChannelModel, Message } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { PublishError } from '../errors/publish.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import type { PublishRequest } from './publish-request.js';

/** AMQP reply code of a passive declare of something that does not exist. */
const NOT_FOUND = 404;

/** RabbitMQ's text when a message is above its `max_message_size` (it then closes the channel, 406). */
const BROKER_SIZE_LIMIT = /message size (\d+) is larger than configured max size (\d+)/;

export function closedError(request: PublishRequest): IllegalStateError {
  return new IllegalStateError(`Cannot publish ${request.what}: the publisher is closed`);
}

export function returnKey(
  exchange: string,
  routingKey: string,
  properties: { correlationId?: string },
): string {
  return `${exchange}\u0000${routingKey}\u0000${properties.correlationId ?? ''}`;
}

export function returnReason(msg: Message): string {
  const fields = msg.fields as Message['fields'] & { replyText?: string };
  return fields.replyText ?? 'NO_ROUTE';
}

export function isChannelClosed(err: unknown): boolean {
  return err instanceof Error && /channel closed|connection closed/i.test(err.message);
}

export function describe(err: unknown): string {
  const message = errorMessage(err);
  return message === 'message nacked'
    ? 'RabbitMQ nacked it (an internal error of the queue); send it again with the same taskId'
    : message;
}

/**
 * When the broker closed the channel (`channelError`) because a message of `contentLength` bytes was
 * above its `max_message_size`, the reason to report; retrying would only close the shared channel again.
 */
export function brokerRefusal(
  channelError: Error | undefined,
  contentLength: number,
): string | undefined {
  const match = channelError ? BROKER_SIZE_LIMIT.exec(channelError.message) : null;
  if (!match || Number(match[1]) !== contentLength) return undefined;
  return (
    `RabbitMQ refused it: its ${match[1]} bytes are above the broker's max_message_size (${match[2]} bytes). ` +
    `Set maxPayloadBytes to at most ${match[2]} so clients refuse such tasks before sending them, or raise ` +
    `max_message_size on the broker`
  );
}

/**
 * Checks that the exchange of `request` exists. A passive declare of a missing exchange closes its
 * channel, so it runs on a throwaway one, never the shared publishing channel.
 * @throws UnroutableError when it does not exist; PublishError when the check itself failed
 */
export async function probeExchange(
  connection: ChannelModel,
  request: PublishRequest,
): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkExchange(request.exchange);
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === NOT_FOUND) {
      throw new UnroutableError(
        request.exchange,
        request.routingKey,
        'the exchange does not exist',
      );
    }
    throw new PublishError(
      request.what,
      `could not check that exchange "${request.exchange}" exists: ${errorMessage(err)}`,
      { cause: err },
    );
  } finally {
    await probe.close().catch(() => undefined);
  }
}
