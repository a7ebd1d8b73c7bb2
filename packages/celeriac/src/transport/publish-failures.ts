/** How the publisher reads the broker's refusals and returns, and words its errors so a user can act. */

import type { ChannelModel, Message } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { PublishError } from '../errors/publish.error.js';
import { PublishBacklogFullError } from '../errors/publish-backlog-full.error.js';
import { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import type { PublishRequest } from './publish-request.js';

/** The connection facts a timeout error reports. */
export interface ConnectionFacts {
  readonly isConnected: boolean;
  readonly blocked: string | null;
  describeState(): string;
}

/** AMQP reply code of a passive declare of something that does not exist. */
const NOT_FOUND = 404;

/** RabbitMQ's text when a message is above its `max_message_size` (it then closes the channel, 406). */
const BROKER_SIZE_LIMIT = /message size (\d+) is larger than configured max size (\d+)/;

export function closedError(request: Pick<PublishRequest, 'what'>): IllegalStateError {
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

/**
 * True for the error amqplib gives a confirm callback whose channel closed before the confirm (its text
 * is all there is: no code). test/integration/amqplib-assumptions.int-spec.ts holds the text against the
 * installed amqplib, as it does `replyText` and the 404 `code` below (`'message nacked'` cannot be provoked
 * on a healthy broker, so it is not).
 */
export function isChannelClosed(err: unknown): boolean {
  return err instanceof Error && /channel closed|connection closed/i.test(err.message);
}

/** amqplib's confirm callback error for a `basic.nack`. */
export function isNack(err: unknown): boolean {
  return errorMessage(err) === 'message nacked';
}

export function describe(err: unknown): string {
  const message = errorMessage(err);
  return isNack(err)
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
 * Whether `exchange` exists. A passive declare of a missing exchange closes its channel, so it runs on a
 * throwaway one, never the shared publishing channel.
 * @throws the channel's error when the check itself failed (the connection closed, say)
 */
export async function probeExchange(connection: ChannelModel, exchange: string): Promise<boolean> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkExchange(exchange);
    return true;
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === NOT_FOUND) return false;
    throw err;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/** What a publish to an exchange that does not exist, or whose check failed, rejects with. */
export function exchangeCheckFailure(request: PublishRequest, err: unknown): Error {
  if (err === undefined) {
    return new UnroutableError(request.exchange, request.routingKey, 'the exchange does not exist');
  }
  return new PublishError(
    request.what,
    `could not check that exchange "${request.exchange}" exists: ${errorMessage(err)}`,
    { cause: err },
  );
}

/**
 * The error a publish gets at its deadline: why it could not be confirmed (no connection, a resource
 * alarm, or no confirm), and whether it may still arrive (it was written at least once, maybe on a channel
 * that closed since).
 */
export function publishTimeout(
  request: PublishRequest,
  written: boolean,
  connection: ConnectionFacts,
  timeoutMs: number,
): PublishTimeoutError {
  const cause = !connection.isConnected
    ? 'unreachable'
    : connection.blocked !== null
      ? 'blocked'
      : 'no-confirm';
  return new PublishTimeoutError(
    request.what,
    cause,
    written,
    timeoutMs,
    connection.describeState(),
  );
}

/**
 * Why a publish is refused before it starts, if it is: the publisher is closed, or `maxPending` publishes
 * already wait for a connection, an alarm to clear or a confirm (so an outage cannot grow memory without
 * bound). Positional arguments: it runs on every publish.
 */
export function admissionRefusal(
  request: Pick<PublishRequest, 'what'>,
  closed: boolean,
  pending: number,
  maxPending: number,
  connection: Pick<ConnectionFacts, 'describeState'>,
): Error | undefined {
  if (closed) return closedError(request);
  if (pending >= maxPending) {
    return new PublishBacklogFullError(
      request.what,
      pending,
      maxPending,
      connection.describeState(),
    );
  }
  return undefined;
}

/**
 * Why a batch of `count` publishes cannot all start now, if so: the publisher is closed, or fewer than
 * `count` of `maxPending` are free. A batch checks this first, so that it is sent whole or not at all.
 */
export function batchRefusal(
  what: string,
  count: number,
  closed: boolean,
  pending: number,
  maxPending: number,
  connection: Pick<ConnectionFacts, 'describeState'>,
): Error | undefined {
  if (closed) return closedError({ what });
  if (pending + count <= maxPending) return undefined;
  return new PublishBacklogFullError(what, pending, maxPending, connection.describeState());
}

/** How a failed publish is counted: timed out, refused, or cut short by the publisher's close. */
export function failureKind(err: Error): 'timeout' | 'refused' | 'closed' {
  if (err instanceof PublishTimeoutError) return 'timeout';
  if (err instanceof IllegalStateError) return 'closed';
  return 'refused';
}
