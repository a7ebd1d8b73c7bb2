/**
 * The idempotent declarations that create Celeriac's exchanges and queues, run in each channel's setup.
 * The names and arguments themselves come from `options/queue-declarations.ts`.
 */
import {
  bindingKeysOf,
  DEFAULT_EXCHANGE,
  deadLetterQueueName,
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
 * @returns a promise that rejects with the channel's error (for example a 406 when the queue exists with other
 *   arguments); the channel is then closed.
 */
export async function assertQueueTopology(
  channel: TopologyChannel,
  queue: ResolvedQueue,
  options: { readonly withDeadLetterQueue?: boolean } = {},
): Promise<void> {
  const named = queue.exchange !== DEFAULT_EXCHANGE;
  if (named) await channel.assertExchange(queue.exchange, queue.exchangeType, EXCHANGE_OPTIONS);
  // The dead-letter queue goes first, so that nothing the queue dead-letters is dropped in between.
  if (options.withDeadLetterQueue === true) {
    await channel.assertQueue(deadLetterQueueName(queue.name), {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: queue.type === 'quorum' ? { [QUEUE_ARGUMENTS.queueType]: 'quorum' } : {},
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
