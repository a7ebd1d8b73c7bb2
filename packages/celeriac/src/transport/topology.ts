/**
 * The idempotent declarations that create Celeriac's exchanges and queues, run in each channel's setup.
 * The names and arguments themselves come from `options/queue-declarations.ts`.
 */
import type { ChannelModel } from 'amqplib';
import {
  bindingKeysOf,
  DEFAULT_EXCHANGE,
  deadLetterQueueArguments,
  deadLetterQueueName,
  type DeadLetterRetention,
  QUEUE_ARGUMENTS,
  queueArguments,
  REPLY_QUEUE_EXPIRES_MS,
} from '../options/queue-declarations.js';
import type { ExchangeType, ResolvedQueue } from '../options/task-queue-options.js';

/** Flags of `exchange.declare`, as amqplib takes them. */
export interface TopologyExchangeOptions {
  readonly durable: boolean;
  readonly autoDelete: boolean;
}

/** Flags and arguments of `queue.declare`, as amqplib takes them. */
export interface TopologyQueueOptions {
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: Record<string, unknown>;
}

/**
 * The part of an AMQP channel that declares topology. amqplib's `Channel` and `ConfirmChannel` (and so the
 * channel `amqp-connection-manager` hands to `setup`) satisfy it as they are.
 */
export interface TopologyChannel {
  assertExchange(
    exchange: string,
    type: ExchangeType,
    options: TopologyExchangeOptions,
  ): Promise<unknown>;
  assertQueue(queue: string, options: TopologyQueueOptions): Promise<unknown>;
  bindQueue(queue: string, source: string, pattern: string): Promise<unknown>;
}

/** Task exchanges are durable, as Celery declares them, so bindings survive a broker restart. */
const EXCHANGE_OPTIONS: TopologyExchangeOptions = Object.freeze({
  durable: true,
  autoDelete: false,
});

/**
 * Declares `queue`, its exchange and its bindings (and, with `withDeadLetterQueue`, its dead-letter queue),
 * all durable. Every step is an assert, so this is safe to run again in each channel's setup after a
 * reconnect. A queue on the default exchange `''` gets neither an exchange nor bindings: RabbitMQ refuses both.
 *
 * @param options.withDeadLetterQueue - also declare `<queue>.dead` (durable, same queue type, no
 *   dead-lettering of its own). Default `false`.
 * @param options.deadLetterRetention - its `x-message-ttl` and `x-max-length`, if any
 * @returns a promise that rejects with the channel's error (for example a 406 when the queue exists with other
 *   arguments); the channel is then closed.
 */
export async function assertQueueTopology(
  channel: TopologyChannel,
  queue: ResolvedQueue,
  options: {
    readonly withDeadLetterQueue?: boolean;
    readonly deadLetterRetention?: DeadLetterRetention;
  } = {},
): Promise<void> {
  const named = queue.exchange !== DEFAULT_EXCHANGE;
  if (named) await channel.assertExchange(queue.exchange, queue.exchangeType, EXCHANGE_OPTIONS);
  // The dead-letter queue goes first, so that nothing the queue dead-letters is dropped in between.
  if (options.withDeadLetterQueue === true) {
    await channel.assertQueue(deadLetterQueueName(queue.name), {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: deadLetterQueueArguments(queue, options.deadLetterRetention),
    });
  }
  await channel.assertQueue(queue.name, {
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: queueArguments(queue),
  });
  if (!named) return;
  for (const key of bindingKeysOf(queue)) await channel.bindQueue(queue.name, queue.exchange, key);
}

/**
 * Declares an rpc reply queue exactly as Celery's `rpc://` backend does: not durable, auto-delete, not
 * exclusive (a Python client may share it), and `x-expires` one day, so an abandoned one goes away. It is
 * reached through the default exchange, so it has no binding.
 */
export async function assertReplyQueue(channel: TopologyChannel, name: string): Promise<void> {
  await channel.assertQueue(name, {
    durable: false,
    exclusive: false,
    autoDelete: true,
    arguments: { [QUEUE_ARGUMENTS.expires]: REPLY_QUEUE_EXPIRES_MS },
  });
}

/**
 * Messages ready in `queue`, or null when it does not exist. A passive declare of a missing queue closes
 * its channel (404), so it runs on a throwaway one.
 * @throws the channel's error when the check itself failed (the connection closed, say)
 */
export async function queueDepth(connection: ChannelModel, queue: string): Promise<number | null> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === NOT_FOUND) return null;
    throw err;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** AMQP reply code of a passive declare of something that does not exist. */
const NOT_FOUND = 404;
