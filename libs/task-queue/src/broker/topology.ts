/**
 * Every broker name and queue argument Celeriac uses, and the idempotent declarations that create them.
 * Nothing else builds an exchange or queue name or an `x-` argument inline. See celery-protocol.md §1.
 */
import type { ExchangeType, ResolvedQueue } from '../options/task-queue-options.js';

/** RabbitMQ's default exchange: it routes to the queue named by the routing key, and cannot be bound. */
export const DEFAULT_EXCHANGE = '';

/** RabbitMQ refuses to create queues or exchanges with this prefix (`403 ACCESS_REFUSED`). */
export const RESERVED_NAME_PREFIX = 'amq.';

/** Queue and exchange names and routing keys are AMQP short strings. */
export const MAX_NAME_BYTES = 255;

/** The queue arguments Celeriac reads or writes. */
export const QUEUE_ARGUMENTS = {
  queueType: 'x-queue-type',
  maxPriority: 'x-max-priority',
  deadLetterExchange: 'x-dead-letter-exchange',
  deadLetterRoutingKey: 'x-dead-letter-routing-key',
  expires: 'x-expires',
} as const;

/** How long an idle rpc reply queue lives: Celery's `result_expires` default, one day. */
export const REPLY_QUEUE_EXPIRES_MS = 86_400_000;

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

/** Name of the queue that receives what `queue` dead-letters: `<queue>.dead`. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}

/**
 * A queue as Celery declares one it has no configuration for: its stock default queue, or a missing queue
 * under `task_create_missing_queues`. A direct exchange and routing key named after the queue, classic,
 * no arguments. Declaring it any other way makes RabbitMQ refuse Celery's own declaration (406).
 */
export function celeryQueue(name: string): ResolvedQueue {
  return Object.freeze({
    name,
    exchange: name,
    exchangeType: 'direct',
    bindingKeys: Object.freeze([name]),
    type: 'classic',
    arguments: Object.freeze({}),
  });
}

/**
 * The arguments `queue.declare` gets for `queue`, as a new object.
 *
 * A classic queue gets exactly the user's arguments, so the stock `celery` queue gets none and matches what
 * Celery declares. A quorum queue also gets `x-queue-type: quorum`, and dead-letters through the default
 * exchange to {@link deadLetterQueueName} unless the user set either dead-letter argument (then dead-lettering
 * is entirely theirs: mixing their exchange with our routing key would send messages nowhere).
 */
export function queueArguments(queue: ResolvedQueue): Record<string, unknown> {
  const args: Record<string, unknown> = { ...queue.arguments };
  if (queue.type !== 'quorum') return args;
  args[QUEUE_ARGUMENTS.queueType] = 'quorum';
  const userSetDeadLetter =
    QUEUE_ARGUMENTS.deadLetterExchange in args || QUEUE_ARGUMENTS.deadLetterRoutingKey in args;
  if (!userSetDeadLetter) {
    args[QUEUE_ARGUMENTS.deadLetterExchange] = DEFAULT_EXCHANGE;
    args[QUEUE_ARGUMENTS.deadLetterRoutingKey] = deadLetterQueueName(queue.name);
  }
  return args;
}

/** The binding keys declared for `queue`: fanout exchanges ignore keys, so they get one binding with `''`. */
export function bindingKeysOf(queue: ResolvedQueue): readonly string[] {
  return queue.exchangeType === 'fanout' ? [''] : queue.bindingKeys;
}

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
