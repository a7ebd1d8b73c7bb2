/**
 * Every broker name and queue argument Celeriac uses. Nothing else builds an exchange or queue name or an `x-`
 * argument inline. Pure: `transport/topology.ts` declares them on a channel. See docs/routing.md.
 */
import type { ResolvedQueue } from './task-queue-options.js';

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
  messageTtl: 'x-message-ttl',
  maxLength: 'x-max-length',
} as const;

/** How long an idle rpc reply queue lives: Celery's `result_expires` default, one day. */
export const REPLY_QUEUE_EXPIRES_MS = 86_400_000;

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

/** How long and how many dead letters a newly declared `<queue>.dead` keeps; null for no limit. */
export interface DeadLetterRetention {
  readonly maxAgeMs: number | null;
  readonly maxLength: number | null;
}

/**
 * The arguments of `<queue>.dead`: the queue type of `queue` (a quorum queue's dead letters stay
 * replicated) and, when given, the retention (`x-message-ttl`, `x-max-length`; the oldest go first).
 * Never applied to an existing dead-letter queue: RabbitMQ refuses a redeclaration with other arguments.
 */
export function deadLetterQueueArguments(
  queue: ResolvedQueue,
  retention: DeadLetterRetention | undefined,
): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (queue.type === 'quorum') args[QUEUE_ARGUMENTS.queueType] = 'quorum';
  if (retention?.maxAgeMs != null) args[QUEUE_ARGUMENTS.messageTtl] = retention.maxAgeMs;
  if (retention?.maxLength != null) args[QUEUE_ARGUMENTS.maxLength] = retention.maxLength;
  return args;
}

/** The binding keys declared for `queue`: fanout exchanges ignore keys, so they get one binding with `''`. */
export function bindingKeysOf(queue: ResolvedQueue): readonly string[] {
  return queue.exchangeType === 'fanout' ? [''] : queue.bindingKeys;
}
