import { delayNames, delayRoutingKey, entryLevel, MAX_DELAY_SECONDS } from './delay-topology.js';

/**
 * How long before its eta a delayed message leaves the cascade. The cascade works in whole seconds, so
 * messages arrive in the ready queue up to a second early plus this lead, and the forwarder's timer
 * covers the rest with millisecond precision.
 */
export const DELAY_LEAD_MS = 1_000;

/** A task this close to its eta is simply held by the worker that receives it. */
export const HOLD_LIMIT_MS = 1_500;

/** Where a message with an eta goes now. */
export type DelayPlan =
  /** Due, or due so soon that the receiving worker can hold it: publish to its destination. */
  | { readonly kind: 'direct' }
  /** Less than a cascade step away: straight to the ready queue, for a forwarder to hold. */
  | { readonly kind: 'ready'; readonly queue: string }
  /** Into the cascade at the level of the highest set bit. */
  | {
      readonly kind: 'cascade';
      readonly exchange: string;
      readonly routingKey: string;
      readonly seconds: number;
    };

/** @throws RangeError for an eta further away than the cascade can carry (about 8.5 years). */
export function planDelay(etaMs: number, nowMs: number, prefix: string): DelayPlan {
  const remaining = etaMs - nowMs;
  if (remaining <= HOLD_LIMIT_MS) return { kind: 'direct' };
  const names = delayNames(prefix);
  const seconds = Math.floor((remaining - DELAY_LEAD_MS) / 1000);
  if (seconds < 1) return { kind: 'ready', queue: names.ready };
  if (seconds > MAX_DELAY_SECONDS) {
    throw new RangeError(
      `An eta ${Math.round(remaining / 1000)} s away is beyond the delay cascade's ${MAX_DELAY_SECONDS} s`,
    );
  }
  return {
    kind: 'cascade',
    exchange: names.level(entryLevel(seconds)),
    routingKey: delayRoutingKey(seconds),
    seconds,
  };
}
