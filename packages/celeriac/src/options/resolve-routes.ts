import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { compileTaskPattern } from './task-pattern.js';
import { checkExchangeName, checkQueueName, checkRoutingKey } from './amqp-names.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys } from './known-keys.js';
import { checkPlainObject, isPlainObject } from './option-checks.js';
import type { RouteTarget } from './task-queue-options.js';

const TARGET_KEYS = { queue: true, exchange: true, routingKey: true } as const satisfies Record<
  keyof RouteTarget,
  true
>;

/** One resolved route: its key as given and where matching tasks go. */
export type ResolvedRouteEntry = readonly [pattern: string, target: RouteTarget];

/**
 * Checks the `routes` option and returns the routes in match order, string targets turned into
 * `{ queue }`. Order is the object's key order, which JavaScript keeps as written except that keys that
 * look like array indexes (`'42'`) come first.
 *
 * @param value - `routes` after its default was applied
 * @param useQueue - told of each queue a route names, with the field naming it; throws if it may not be used
 * @throws InvalidOptionsError naming the field, e.g. `routes["media.*"].queue`
 */
export function resolveRoutes(
  value: unknown,
  useQueue: (queue: string, field: string) => void,
): readonly ResolvedRouteEntry[] {
  const routes = checkPlainObject('routes', value, 'an object of task name or glob → queue');
  return Object.freeze(
    Object.entries(routes).map(([pattern, target]): ResolvedRouteEntry => {
      const field = `routes[${JSON.stringify(pattern)}]`;
      checkPattern(field, pattern);
      const resolved = resolveTarget(field, target);
      if (resolved.queue !== undefined) {
        useQueue(resolved.queue, typeof target === 'string' ? field : `${field}.queue`);
      }
      return Object.freeze([pattern, resolved] as const);
    }),
  );
}

function checkPattern(field: string, pattern: string): void {
  if (pattern === '') {
    throw new InvalidOptionsError(field, 'must be a task name or a glob, got an empty key');
  }
  try {
    compileTaskPattern(pattern);
  } catch (err: unknown) {
    throw new InvalidOptionsError(
      field,
      `is not a valid glob (${err instanceof Error ? err.message : 'unknown error'}), got ${describeValue(pattern)}`,
    );
  }
}

function resolveTarget(field: string, target: unknown): RouteTarget {
  if (typeof target === 'string') return Object.freeze({ queue: checkQueueName(field, target) });
  if (!isPlainObject(target)) {
    throw new InvalidOptionsError(
      field,
      `must be a queue name or { queue?, exchange?, routingKey? }, got ${describeValue(target)}`,
    );
  }
  checkKnownKeys(field, target, Object.keys(TARGET_KEYS));
  const resolved: { queue?: string; exchange?: string; routingKey?: string } = {};
  if (target['queue'] !== undefined)
    resolved.queue = checkQueueName(`${field}.queue`, target['queue']);
  if (target['exchange'] !== undefined) {
    resolved.exchange = checkExchangeName(`${field}.exchange`, target['exchange']);
  }
  if (target['routingKey'] !== undefined) {
    resolved.routingKey = checkRoutingKey(`${field}.routingKey`, target['routingKey']);
  }
  if (Object.keys(resolved).length === 0) {
    throw new InvalidOptionsError(
      field,
      'must name a queue, an exchange or a routingKey, got an empty target',
    );
  }
  return Object.freeze(resolved);
}
