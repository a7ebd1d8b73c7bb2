import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import { RESERVED_HEADERS } from '../message/protocol-headers.js';
import { describeValue } from '../errors/describe-value.js';
import type { RouteTarget } from '../options/task-queue-options.js';

/** Options of one `send()`, named after Celery's `apply_async` options in camelCase. */
export interface SendOptions {
  /** Use this id instead of a fresh uuid (Celery's `task_id`). Reusing an id is how retries keep identity. */
  taskId?: string;
  /** Queue to send to; overrides `routes`. */
  queue?: string;
  /** Exchange to publish to; overrides `routes`. */
  exchange?: string;
  /** Routing key to publish with; overrides `routes`. */
  routingKey?: string;
  /** AMQP priority 0–255; only queues declared with `x-max-priority` honour it. */
  priority?: number;
  /** Do not run before this many seconds from now. Excludes `eta`. */
  countdown?: number;
  /** Do not run before this instant (a Date or an ISO-8601 string). Excludes `countdown`. */
  eta?: Date | string;
  /** Do not run after this instant: a Date, or seconds from now. An expired task is revoked, never run. */
  expires?: Date | number;
  /** Extra AMQP headers, visible to the handler as `ctx.headers`. Cannot override protocol headers. */
  headers?: Readonly<Record<string, unknown>>;
  /** The worker sends no SUCCESS result (failures are still reported, as in Celery 5.2). */
  ignoreResult?: boolean;
  /** Display name for logs and monitors; `task` is still what runs. */
  shadow?: string;
  /** Hard time limit in seconds for this call (Celery's `time_limit`). */
  timeLimit?: number;
  /** Soft time limit in seconds for this call (Celery's `soft_time_limit`). */
  softTimeLimit?: number;
}

/** Send options after validation, with times made absolute. */
export interface ResolvedSendOptions {
  readonly taskId: string | null;
  readonly route: RouteTarget;
  readonly priority: number | null;
  readonly eta: Date | null;
  readonly expires: Date | null;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly ignoreResult: boolean;
  readonly shadow: string | null;
  readonly timeLimit: { readonly hard: number | null; readonly soft: number | null };
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'taskId',
  'queue',
  'exchange',
  'routingKey',
  'priority',
  'countdown',
  'eta',
  'expires',
  'headers',
  'ignoreResult',
  'shadow',
  'timeLimit',
  'softTimeLimit',
  // Handled by TaskClient (callbacks) and signatures; listed so they are not taken for typos.
  'link',
  'linkError',
  'immutable',
]);

/**
 * Validates send options and makes times absolute against `now`. Pure: every problem throws an
 * `InvalidSendOptionsError` naming the option and the value, before anything is published.
 */
export function resolveSendOptions(options: SendOptions, now: number): ResolvedSendOptions {
  for (const key in options) {
    if (!KNOWN_KEYS.has(key) && Object.hasOwn(options, key))
      throw new InvalidSendOptionsError(
        key,
        `unknown option (known: ${[...KNOWN_KEYS].join(', ')})`,
      );
  }
  const taskId = optionalString(options.taskId, 'taskId');
  const route: RouteTarget = {};
  const queue = optionalString(options.queue, 'queue');
  if (queue !== null) route.queue = queue;
  if (options.exchange !== undefined) {
    if (typeof options.exchange !== 'string')
      throw invalid('exchange', 'must be a string', options.exchange);
    route.exchange = options.exchange;
  }
  const routingKey = optionalString(options.routingKey, 'routingKey');
  if (routingKey !== null) route.routingKey = routingKey;

  let priority: number | null = null;
  if (options.priority !== undefined) {
    if (!Number.isInteger(options.priority) || options.priority < 0 || options.priority > 255) {
      throw invalid('priority', 'must be an integer from 0 to 255', options.priority);
    }
    priority = options.priority;
  }

  if (options.countdown !== undefined && options.eta !== undefined) {
    throw new InvalidSendOptionsError('countdown', 'give either countdown or eta, not both');
  }
  let eta: Date | null = null;
  if (options.countdown !== undefined) {
    if (!Number.isFinite(options.countdown))
      throw invalid('countdown', 'must be a finite number of seconds', options.countdown);
    eta = new Date(now + options.countdown * 1000);
  } else if (options.eta !== undefined) {
    eta = toDate(options.eta, 'eta');
  }

  let expires: Date | null = null;
  if (typeof options.expires === 'number') {
    if (!Number.isFinite(options.expires))
      throw invalid('expires', 'must be a Date or a finite number of seconds', options.expires);
    expires = new Date(now + options.expires * 1000);
  } else if (options.expires !== undefined) {
    expires = toDate(options.expires, 'expires');
  }

  const headers = options.headers ?? {};
  if (typeof headers !== 'object' || Array.isArray(headers))
    throw invalid('headers', 'must be an object', headers);
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name)) {
      throw new InvalidSendOptionsError(
        `headers.${name}`,
        'is reserved by the Celery protocol; use the matching send option',
      );
    }
  }

  if (options.ignoreResult !== undefined && typeof options.ignoreResult !== 'boolean') {
    throw invalid('ignoreResult', 'must be a boolean', options.ignoreResult);
  }
  return {
    taskId,
    route,
    priority,
    eta,
    expires,
    headers,
    ignoreResult: options.ignoreResult ?? false,
    shadow: optionalString(options.shadow, 'shadow'),
    timeLimit: {
      hard: optionalSeconds(options.timeLimit, 'timeLimit'),
      soft: optionalSeconds(options.softTimeLimit, 'softTimeLimit'),
    },
  };
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(field, 'must be a non-empty string', value);
  return value;
}

function optionalSeconds(value: unknown, field: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, 'must be a positive number of seconds', value);
  }
  return value;
}

function toDate(value: unknown, field: string): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw invalid(field, 'must be a valid Date or ISO-8601 string', value);
  return date;
}

function invalid(field: string, problem: string, value: unknown): InvalidSendOptionsError {
  const shown = value instanceof Date ? `an invalid Date` : describeValue(value);
  return new InvalidSendOptionsError(field, `${problem}, got ${shown}`);
}
