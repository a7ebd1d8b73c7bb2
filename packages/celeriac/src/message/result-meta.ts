/**
 * Celery's result metadata as its key-value backends store it (Redis: the value of
 * `celery-task-meta-<id>`), and the chord-join entries of the Redis backend. Pure: no I/O.
 */

import { decodeResult, type ResultDecodeResult } from './decode-result.js';
import { exceptionToWire } from './exception-info.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { ExceptionInfo, TaskState } from './result-message.js';
import { JSON_CONTENT_TYPE, UTF8 } from './task-message.js';

/** Celery's key prefixes (`KeyValueStoreBackend.task_keyprefix` / `group_keyprefix`). */
export const TASK_META_PREFIX = 'celery-task-meta-';
export const GROUP_META_PREFIX = 'celery-taskset-meta-';

/** What a worker stores for one task. */
export interface ResultMetaInput {
  readonly taskId: string;
  readonly status: TaskState;
  /** The return value; ignored when `exception` is set. */
  readonly result: unknown;
  readonly exception: ExceptionInfo | null;
  readonly traceback: string | null;
  /** Ids of the children this task started (chain steps, callbacks). */
  readonly children: readonly string[];
  readonly groupId: string | null;
  readonly parentId: string | null;
  /** With `resultExtended`, the request: name, args, kwargs, worker, retries, queue. */
  readonly extended: ExtendedMeta | null;
  readonly now: Date;
}

export interface ExtendedMeta {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly worker: string;
  readonly retries: number;
  readonly queue: string | null;
}

const READY: ReadonlySet<TaskState> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/**
 * Celery 5.2's `date_done`: `datetime.utcnow().isoformat()`, naive UTC with microseconds and no `Z`.
 */
export function celeryDateDone(now: Date): string {
  return now.toISOString().replace('Z', '000');
}

/**
 * The JSON value Celery's `_store_result` writes: `status, result, traceback, children, date_done`, then
 * `group_id`/`parent_id` when known, the extended fields, and `task_id` last.
 * @throws MessageEncodeError when the result is not JSON-serializable
 */
export function encodeResultMeta(input: ResultMetaInput): string {
  const meta: Record<string, unknown> = {
    status: input.status,
    result: input.exception === null ? (input.result ?? null) : exceptionToWire(input.exception),
    traceback: input.traceback,
    // Celery's result tuple for a plain child: [[id, parent], null].
    children: input.children.map((id) => [[id, null], null]),
    date_done: READY.has(input.status) ? celeryDateDone(input.now) : null,
  };
  if (input.groupId !== null) meta['group_id'] = input.groupId;
  if (input.parentId !== null) meta['parent_id'] = input.parentId;
  if (input.extended !== null) Object.assign(meta, input.extended);
  meta['task_id'] = input.taskId;
  return stringify(meta, 'result');
}

/** Reads a stored meta with the same checks as an rpc result; never throws. */
export function decodeResultMeta(value: Buffer | string): ResultDecodeResult {
  return decodeResult({
    content: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    properties: { contentType: JSON_CONTENT_TYPE, contentEncoding: UTF8, headers: {} },
    fields: { exchange: '', routingKey: '', redelivered: false },
  });
}

/** The value of `celery-taskset-meta-<id>` for a saved group: `{"result": GroupResult.as_tuple()}`. */
export function encodeGroupMeta(groupId: string, memberIds: readonly string[]): string {
  return stringify(
    { result: [[groupId, null], memberIds.map((id) => [[id, null], null])] },
    'group',
  );
}

/** Member ids of a saved group, in order; null when the value is not a saved group. */
export function decodeGroupMeta(value: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const tuple = (parsed as { result?: unknown } | null)?.result;
  if (!Array.isArray(tuple) || !Array.isArray(tuple[1])) return null;
  const ids: string[] = [];
  for (const member of tuple[1] as unknown[]) {
    // A member tuple is [[id, parent], children]; a nested group would be [[gid, parent], [...]].
    const head: unknown = Array.isArray(member) ? member[0] : null;
    const id: unknown = Array.isArray(head) ? head[0] : null;
    if (typeof id !== 'string') return null;
    ids.push(id);
  }
  return ids;
}

/** One header member's entry in a chord's join set: Celery's `[1, task_id, state, result]`. */
export function encodeChordEntry(
  taskId: string,
  state: TaskState,
  result: unknown,
  exception: ExceptionInfo | null,
): string {
  return stringify(
    [1, taskId, state, exception === null ? (result ?? null) : exceptionToWire(exception)],
    'result',
  );
}

export interface ChordEntry {
  readonly taskId: string;
  readonly state: string;
  readonly result: unknown;
}

/** Reads a join entry written by a Celeriac or a Celery worker; null for anything else. */
export function decodeChordEntry(value: string): ChordEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return null;
  const [, taskId, state, result] = parsed as unknown[];
  if (typeof taskId !== 'string' || typeof state !== 'string') return null;
  return { taskId, state, result };
}

function stringify(value: unknown, field: string): string {
  try {
    // An undefined return value has no JSON form; Python's None is the closest.
    return JSON.stringify(value, (_key, v: unknown) => (v === undefined ? null : v));
  } catch (err) {
    throw new MessageEncodeError(
      field,
      err instanceof Error ? err.message : 'not JSON-serializable',
      {
        cause: err,
      },
    );
  }
}
