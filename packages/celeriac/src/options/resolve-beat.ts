import { Cron } from 'croner';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import { errorMessage } from '../errors/error-text.js';
import { RESERVED_HEADERS } from '../message/protocol-headers.js';
import { checkQueueName } from './amqp-names.js';
import {
  BEAT_DEFAULTS,
  type BeatEntryOptions,
  type BeatOptions,
  type MissedTickPolicy,
  type ResolvedBeatEntry,
  type ResolvedBeatOptions,
  type ResolvedSchedule,
} from './beat-options.js';
import { checkKnownKeys } from './known-keys.js';
import {
  checkArray,
  checkInteger,
  checkNonEmptyString,
  checkPlainObject,
  isPlainObject,
} from './option-checks.js';
import { FrozenMap } from './frozen-map.js';
import { MAX_TIMER_MS } from './resolve-worker.js';
import type { RouteTarget } from './task-queue-options.js';

const BEAT_KEYS = {
  schedule: true,
  prefix: true,
  pulseIntervalMs: true,
  leaseMs: true,
} as const satisfies Record<keyof BeatOptions, true>;

const ENTRY_KEYS = {
  task: true,
  schedule: true,
  args: true,
  kwargs: true,
  timezone: true,
  missed: true,
  maxCatchUp: true,
  options: true,
} as const satisfies Record<keyof BeatEntryOptions, true>;

const SEND_KEYS = ['queue', 'exchange', 'routingKey', 'priority', 'headers', 'expires'] as const;
const POLICIES: readonly MissedTickPolicy[] = ['skip', 'once', 'all'];
/** Catching up more than this at once would be a flood, not a schedule. */
const MAX_CATCH_UP = 10_000;

/**
 * Checks the `beat` option and applies its defaults.
 * @throws InvalidOptionsError naming the field, e.g. `beat.schedule.nightly.schedule`
 */
export function resolveBeatOptions(value: unknown): ResolvedBeatOptions {
  const input = checkPlainObject('beat', value, 'an object of beat options');
  checkKnownKeys('beat', input, Object.keys(BEAT_KEYS));
  const prefix = checkQueueName('beat.prefix', input['prefix'] ?? BEAT_DEFAULTS.prefix);
  const pulseIntervalMs = checkInteger(
    'beat.pulseIntervalMs',
    input['pulseIntervalMs'] ?? BEAT_DEFAULTS.pulseIntervalMs,
    10,
    60_000,
  );
  const leaseMs = checkInteger(
    'beat.leaseMs',
    input['leaseMs'] ?? BEAT_DEFAULTS.leaseMs,
    1,
    MAX_TIMER_MS,
  );
  // The lease is renewed by pulses: shorter than two of them, one late pulse would depose a healthy leader.
  if (leaseMs < 2 * pulseIntervalMs) {
    throw new InvalidOptionsError(
      'beat.leaseMs',
      `must be at least twice beat.pulseIntervalMs (${pulseIntervalMs} ms), got ${leaseMs}`,
    );
  }
  const rawSchedule = checkPlainObject(
    'beat.schedule',
    input['schedule'] ?? {},
    'an object of entries by name',
  );
  const schedule = new FrozenMap(
    Object.entries(rawSchedule).map(
      ([name, entry]) => [name, resolveBeatEntry(name, entry, `beat.schedule.${name}`)] as const,
    ),
  );
  return Object.freeze({ schedule, prefix, pulseIntervalMs, leaseMs });
}

/**
 * Checks one entry and applies its defaults; used for module options, `@Periodic()` and schedule files.
 * @param field - where the entry was given, for error messages
 * @throws InvalidOptionsError naming the field
 */
export function resolveBeatEntry(name: string, value: unknown, field: string): ResolvedBeatEntry {
  if (name === '') throw new InvalidOptionsError(field, 'an entry needs a non-empty name');
  const input = checkPlainObject(field, value, 'an object with task and schedule');
  checkKnownKeys(field, input, Object.keys(ENTRY_KEYS));
  const task = checkNonEmptyString(`${field}.task`, input['task']);
  const timezone = checkNonEmptyString(
    `${field}.timezone`,
    input['timezone'] ?? BEAT_DEFAULTS.timezone,
  );
  const schedule = resolveSchedule(input['schedule'], timezone, `${field}.schedule`);
  // Copied and frozen: resolved options share nothing with their input, and every tick sends these.
  const args = frozenCopy(
    checkArray(`${field}.args`, input['args'] ?? [], 'an array of arguments'),
    `${field}.args`,
  );
  const kwargs = frozenCopy(
    checkPlainObject(`${field}.kwargs`, input['kwargs'] ?? {}),
    `${field}.kwargs`,
  );
  const missed = input['missed'] ?? BEAT_DEFAULTS.missed;
  if (!POLICIES.includes(missed as MissedTickPolicy)) {
    throw new InvalidOptionsError(
      `${field}.missed`,
      `must be 'skip', 'once' or 'all', got ${describeValue(missed)}`,
    );
  }
  const maxCatchUp = checkInteger(
    `${field}.maxCatchUp`,
    input['maxCatchUp'] ?? BEAT_DEFAULTS.maxCatchUp,
    1,
    MAX_CATCH_UP,
  );
  const send = checkPlainObject(`${field}.options`, input['options'] ?? {});
  checkKnownKeys(`${field}.options`, send, SEND_KEYS);
  return Object.freeze({
    name,
    task,
    schedule,
    args,
    kwargs,
    missed: missed as MissedTickPolicy,
    maxCatchUp,
    route: Object.freeze(resolveRoute(send, `${field}.options`)),
    priority:
      send['priority'] === undefined
        ? null
        : checkInteger(`${field}.options.priority`, send['priority'], 0, 255),
    headers: frozenCopy(
      resolveHeaders(send['headers'], `${field}.options.headers`),
      `${field}.options.headers`,
    ),
    expires: resolveExpires(send['expires'], `${field}.options.expires`),
  });
}

function resolveSchedule(value: unknown, timezone: string, field: string): ResolvedSchedule {
  if (typeof value === 'number') return interval(value, 0, field);
  if (typeof value === 'string') return cron(value, timezone, field);
  if (isPlainObject(value)) {
    if ('cron' in value) {
      checkKnownKeys(field, value, ['cron', 'timezone']);
      const zone = checkNonEmptyString(`${field}.timezone`, value['timezone'] ?? timezone);
      return cron(checkNonEmptyString(`${field}.cron`, value['cron']), zone, `${field}.cron`);
    }
    if ('every' in value) {
      checkKnownKeys(field, value, ['every', 'from']);
      const anchor = value['from'] === undefined ? 0 : instant(value['from'], `${field}.from`);
      return interval(value['every'], anchor, `${field}.every`);
    }
    if ('at' in value) {
      checkKnownKeys(field, value, ['at']);
      return Object.freeze({ kind: 'once', atMs: instant(value['at'], `${field}.at`) });
    }
  }
  throw new InvalidOptionsError(
    field,
    `must be seconds, a cron string, { cron }, { every } or { at }, got ${describeValue(value)}`,
  );
}

function interval(seconds: unknown, anchorMs: number, field: string): ResolvedSchedule {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0.001) {
    throw new InvalidOptionsError(
      field,
      `must be a number of seconds of at least 0.001, got ${describeValue(seconds)}`,
    );
  }
  return Object.freeze({ kind: 'interval', everyMs: Math.round(seconds * 1000), anchorMs });
}

/** Parses the expression with croner once, so a typo or an unknown time zone fails at boot. */
function cron(expression: string, timezone: string, field: string): ResolvedSchedule {
  try {
    const parsed = new Cron(expression, { timezone, paused: true });
    // croner checks the time zone only when it computes a date.
    parsed.nextRun(new Date(0));
  } catch (err: unknown) {
    throw new InvalidOptionsError(field, `is not a valid cron schedule: ${errorMessage(err)}`);
  }
  return Object.freeze({ kind: 'cron', expression, timezone });
}

function instant(value: unknown, field: string): number {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InvalidOptionsError(
      field,
      `must be a Date or an ISO-8601 string, got ${describeValue(value)}`,
    );
  }
  return date.getTime();
}

function resolveRoute(send: Readonly<Record<string, unknown>>, field: string): RouteTarget {
  const route: RouteTarget = {};
  if (send['queue'] !== undefined) route.queue = checkQueueName(`${field}.queue`, send['queue']);
  if (send['exchange'] !== undefined) {
    if (typeof send['exchange'] !== 'string') {
      throw new InvalidOptionsError(`${field}.exchange`, 'must be a string');
    }
    route.exchange = send['exchange'];
  }
  if (send['routingKey'] !== undefined) {
    route.routingKey = checkNonEmptyString(`${field}.routingKey`, send['routingKey']);
  }
  return route;
}

function resolveHeaders(value: unknown, field: string): Readonly<Record<string, unknown>> {
  const headers = checkPlainObject(field, value ?? {});
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name)) {
      throw new InvalidOptionsError(`${field}.${name}`, 'is reserved by the Celery protocol');
    }
  }
  return { ...headers };
}

function resolveExpires(value: unknown, field: string): number | 'next-tick' | null {
  if (value === undefined) return 'next-tick';
  if (value === false) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionsError(
      field,
      `must be a positive number of seconds or false, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A deep copy, frozen all the way down. @throws InvalidOptionsError for what cannot be copied (functions) */
function frozenCopy<T>(value: T, field: string): T {
  let copy: T;
  try {
    copy = structuredClone(value);
  } catch (err: unknown) {
    throw new InvalidOptionsError(field, `must be plain data (JSON values): ${errorMessage(err)}`);
  }
  return deepFreeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
