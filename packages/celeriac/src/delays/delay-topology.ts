import { deadLetterQueueName } from '../options/queue-declarations.js';
import { assertQueueTopology, type TopologyChannel } from '../transport/topology.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';

/**
 * The plugin-free delay cascade (reliability.md §3.5, after NServiceBus's delay infrastructure):
 * `DELAY_LEVELS` quorum queues, level k holding messages for 2^k seconds. A message's routing key is its
 * delay in seconds written as `DELAY_LEVELS` binary digits, most significant first; each level's exchange
 * keeps a message whose bit k is 1 in its queue and passes one whose bit is 0 to the next level down.
 * When a level's TTL expires the message is dead-lettered to the next level's exchange, and level 0
 * dead-letters into the ready queue, where a worker's forwarder holds it for the last second.
 *
 * Every queue has a single TTL, so expiry order is arrival order and nothing waits behind a longer delay;
 * the number of queues is fixed (levels + 1) whatever the delays and destinations.
 */
export const DELAY_LEVELS = 28;

/** Longest delay the cascade carries: 2^28 − 1 s, about 8.5 years. */
export const MAX_DELAY_SECONDS = 2 ** DELAY_LEVELS - 1;

/** Names of the cascade's exchanges and queues, all under one prefix. */
export interface DelayNames {
  level(k: number): string;
  /** Exchange the last level dead-letters into. */
  readonly out: string;
  /** Queue the forwarders consume. */
  readonly ready: string;
  /** Where a forwarder puts a delayed message it cannot deliver (the ready queue's dead-letter queue). */
  readonly dead: string;
}

/**
 * The ready queue as an ordinary Celeriac queue, so forwarders consume it like any task queue: quorum,
 * bound to the cascade's out exchange, with a dead-letter queue.
 */
export function readyQueue(prefix: string): ResolvedQueue {
  const names = delayNames(prefix);
  return {
    name: names.ready,
    exchange: names.out,
    exchangeType: 'topic',
    bindingKeys: ['#'],
    type: 'quorum',
    arguments: {},
  };
}

export function delayNames(prefix: string): DelayNames {
  return {
    level: (k) => `${prefix}.L${String(k).padStart(2, '0')}`,
    out: `${prefix}.out`,
    ready: `${prefix}.ready`,
    dead: deadLetterQueueName(`${prefix}.ready`),
  };
}

/** The routing key of a delay of `seconds`: its bits, most significant first, dot-separated. */
export function delayRoutingKey(seconds: number): string {
  const bits: string[] = [];
  for (let k = DELAY_LEVELS - 1; k >= 0; k--)
    bits.push(Math.floor(seconds / 2 ** k) % 2 === 1 ? '1' : '0');
  return bits.join('.');
}

/** The level to publish a delay of `seconds` (≥ 1) into: its highest set bit. */
export function entryLevel(seconds: number): number {
  return Math.floor(Math.log2(seconds));
}

/** Topic pattern that matches routing keys whose bit `k` has `value`. */
export function bitPattern(k: number, value: 0 | 1): string {
  return [...Array<string>(DELAY_LEVELS - 1 - k).fill('*'), String(value), '#'].join('.');
}

/** A quorum queue with an at-least-once dead-letter hop: a message is never dropped between levels. */
function cascadeQueueArguments(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-strategy': 'at-least-once',
    // at-least-once dead-lettering requires reject-publish: the default drop-head silently falls back.
    'x-overflow': 'reject-publish',
    ...extra,
  };
}

/**
 * Declares the whole cascade. Idempotent, so every process that publishes or forwards delayed tasks can
 * run it after each reconnect.
 */
export async function assertDelayTopology(
  channel: TopologyChannel & ExchangeBinder,
  prefix: string,
): Promise<void> {
  const names = delayNames(prefix);
  await assertQueueTopology(channel, readyQueue(prefix), { withDeadLetterQueue: true });
  for (let k = 0; k < DELAY_LEVELS; k++) {
    const next = k === 0 ? names.out : names.level(k - 1);
    await channel.assertExchange(names.level(k), 'topic', { durable: true, autoDelete: false });
    await channel.assertQueue(names.level(k), {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: cascadeQueueArguments({
        'x-message-ttl': 2 ** k * 1000,
        'x-dead-letter-exchange': next,
      }),
    });
    await channel.bindQueue(names.level(k), names.level(k), bitPattern(k, 1));
    // A 0 at this bit skips the level: straight on to the next exchange down.
    await channel.bindExchange(next, names.level(k), bitPattern(k, 0));
  }
}

/** amqplib's exchange-to-exchange binding, which the topology channel interface does not need elsewhere. */
export interface ExchangeBinder {
  bindExchange(destination: string, source: string, pattern: string): Promise<unknown>;
}
