/**
 * Reading the protocol 2 headers of a task message (celery-protocol.md §3) into our camelCase fields.
 * Absent optional headers get Celery's defaults; present ones of the wrong type are refused, because a
 * worker acting on a misread eta, retry count or time limit is worse than one that reports the message.
 */

import { parseCeleryDate } from './celery-date.js';
import { isTypedValue } from './header-values.js';
import { isProtocolHeader } from './protocol-headers.js';
import type { TaskMessage } from './task-message.js';

/** The part of a TaskMessage that comes from the headers. */
export type TaskHeaderFields = Pick<
  TaskMessage,
  | 'id'
  | 'task'
  | 'rootId'
  | 'parentId'
  | 'groupId'
  | 'groupIndex'
  | 'shadow'
  | 'eta'
  | 'expires'
  | 'retries'
  | 'timeLimit'
  | 'ignoreResult'
  | 'origin'
  | 'lang'
  | 'extraHeaders'
>;

export type TaskHeadersResult =
  | { readonly ok: true; readonly fields: TaskHeaderFields }
  | { readonly ok: false; readonly reason: 'missing-id' | 'bad-header'; readonly detail: string };

/** Thrown inside this module only, and always caught by `decodeTaskHeaders`. */
class BadHeader extends Error {}

/**
 * A header's value, or undefined when absent. Only own keys count (a table is a plain object, and
 * `headers['constructor']` would otherwise find Object's). amqplib hands us plain numbers, but a typed
 * `{ '!': type, value }` wrapper is unwrapped too, defensively.
 */
export function readHeader(headers: Readonly<Record<string, unknown>>, name: string): unknown {
  if (!Object.hasOwn(headers, name)) {
    return undefined;
  }
  const value = headers[name];
  return isTypedValue(value) ? value.value : value;
}

/** A non-empty string header, or null when absent, null or empty. Anything else is not decodable. */
function readOptionalString(
  headers: Readonly<Record<string, unknown>>,
  name: string,
): string | null {
  const value = readHeader(headers, name);
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (typeof value !== 'string') {
    throw new BadHeader(`header "${name}" must be a string or null, got ${typeof value}`);
  }
  return value;
}

function readDate(headers: Readonly<Record<string, unknown>>, name: string): Date | null {
  const value = readOptionalString(headers, name);
  if (value === null) {
    return null;
  }
  const date = parseCeleryDate(value);
  if (date === null) {
    throw new BadHeader(`header "${name}" is not an ISO-8601 date: ${JSON.stringify(value)}`);
  }
  return date;
}

function readNonNegativeInteger(
  headers: Readonly<Record<string, unknown>>,
  name: string,
): number | null {
  const value = readHeader(headers, name);
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BadHeader(
      `header "${name}" must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function readLimit(value: unknown, which: string): number | null {
  const plain = isTypedValue(value) ? value.value : value;
  if (plain === null || plain === undefined) {
    return null;
  }
  if (typeof plain !== 'number' || !Number.isFinite(plain) || plain < 0) {
    throw new BadHeader(`timelimit ${which} must be a non-negative number or null`);
  }
  return plain;
}

/** `timelimit` is `[hard, soft]`, whatever upstream protocol.rst says (celery-protocol.md §3). */
function readTimeLimit(headers: Readonly<Record<string, unknown>>): TaskHeaderFields['timeLimit'] {
  const value = readHeader(headers, 'timelimit');
  if (value === undefined || value === null) {
    return { hard: null, soft: null };
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new BadHeader('header "timelimit" must be a [hard, soft] pair');
  }
  const [hard, soft] = value as readonly unknown[];
  return { hard: readLimit(hard, 'hard'), soft: readLimit(soft, 'soft') };
}

function readBoolean(headers: Readonly<Record<string, unknown>>, name: string): boolean {
  const value = readHeader(headers, name);
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value !== 'boolean') {
    throw new BadHeader(`header "${name}" must be a boolean, got ${typeof value}`);
  }
  return value;
}

/**
 * Headers beyond the protocol ones, as received; newer Celery's `stamps` etc. land here too. A plain loop,
 * because this runs for every task: `Object.entries`/`filter`/`fromEntries` made two arrays and a pair
 * per header to end, usually, with an empty object.
 */
function extraHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const name in headers) {
    if (!Object.hasOwn(headers, name) || isProtocolHeader(name)) continue;
    if (name === '__proto__') {
      // Assigning it would set the copy's prototype instead: it stays a plain key, as it is in the table.
      Object.defineProperty(extra, name, {
        value: headers[name],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      extra[name] = headers[name];
    }
  }
  return extra;
}

/** Reads and validates the protocol headers. The caller has already checked that `task` is present. */
export function decodeTaskHeaders(headers: Readonly<Record<string, unknown>>): TaskHeadersResult {
  try {
    const rawId = readHeader(headers, 'id');
    if (rawId === undefined || rawId === null || rawId === '') {
      // A 5.2 worker crashes on this (celery-protocol.md §14.1); we report it instead.
      return { ok: false, reason: 'missing-id', detail: 'the "id" header is missing or empty' };
    }
    if (typeof rawId !== 'string') {
      return {
        ok: false,
        reason: 'bad-header',
        detail: `header "id" must be a string, got ${typeof rawId}`,
      };
    }
    const task = readOptionalString(headers, 'task');
    if (task === null) {
      return {
        ok: false,
        reason: 'bad-header',
        detail: 'header "task" must be a non-empty string',
      };
    }
    const fields: TaskHeaderFields = {
      id: rawId,
      task,
      // send_task never leaves root_id empty; other producers might, and then this task is the root.
      rootId: readOptionalString(headers, 'root_id') ?? rawId,
      parentId: readOptionalString(headers, 'parent_id'),
      groupId: readOptionalString(headers, 'group'),
      groupIndex: readNonNegativeInteger(headers, 'group_index'),
      shadow: readOptionalString(headers, 'shadow'),
      eta: readDate(headers, 'eta'),
      expires: readDate(headers, 'expires'),
      retries: readNonNegativeInteger(headers, 'retries') ?? 0,
      timeLimit: readTimeLimit(headers),
      ignoreResult: readBoolean(headers, 'ignore_result'),
      origin: readOptionalString(headers, 'origin'),
      lang: readOptionalString(headers, 'lang'),
      extraHeaders: extraHeaders(headers),
    };
    return { ok: true, fields };
  } catch (err) {
    if (err instanceof BadHeader) {
      return { ok: false, reason: 'bad-header', detail: err.message };
    }
    throw err;
  }
}
