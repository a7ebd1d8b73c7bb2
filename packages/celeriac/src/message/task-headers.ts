/**
 * The protocol 2 header table of a task message (celery-protocol.md §3), in one of two shapes:
 *
 * - `full`: all sixteen headers in Celery's order, null where a value does not apply, exactly as Celery
 *   5.2's `send_task` writes them.
 * - `lean`: `task`, `id`, and only the headers whose value differs from what a Celery 5.2 worker assumes
 *   when the header is absent. `Request.__init__` (celery/worker/request.py) reads every optional header
 *   with `.get()`: `shadow`, `eta`, `expires`, `group`, `group_index`, `parent_id` default to None,
 *   `retries` to 0 (strategy.py, `Context.retries`), `timelimit` is used only when truthy, `ignore_result`
 *   defaults to False; a missing `root_id` is read as "this task is the root" wherever Celery derives
 *   one (`task_request.root_id or uuid` in trace.py, `parent.request.root_id or parent.request.id` in
 *   base.py), and Celeriac's decoder reads it the same way. `lang` is never read. What `lean` leaves out
 *   for good is what only monitoring shows: `argsrepr`/`kwargsrepr` (a Python worker's task events and
 *   `inspect` replies, Flower's args column), `origin`, and `root_id` of a top-level task (None instead of
 *   its own id in a Python worker's events and in `self.request.root_id`).
 *
 * Every header costs the client an encoding, the broker a copy it parses and stores with the message,
 * and the worker a decoding: the lean table of a plain send is 3 entries instead of 16.
 */

import { formatCeleryDate } from './celery-date.js';
import { typedNumber } from './header-values.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { ProtocolHeader } from './protocol-headers.js';
import { argsRepr, kwargsRepr } from './python-repr.js';
import { TASK_LANG, type TaskMessage } from './task-message.js';

/** Which protocol headers a task message carries; see the module comment. */
export type TaskHeaderSet = 'lean' | 'full';

function date(value: Date, field: string): string {
  try {
    return formatCeleryDate(value);
  } catch (err) {
    throw new MessageEncodeError(field, err instanceof Error ? err.message : 'invalid date', {
      cause: err,
    });
  }
}

function optionalDate(value: Date | null, field: string): string | null {
  return value === null ? null : date(value, field);
}

/** A time limit in seconds: integers typed as `I`, fractions as doubles (Celery accepts floats). */
function limit(value: number | null, field: string): unknown {
  if (value === null) {
    return null;
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new MessageEncodeError(field, `must be a non-negative number of seconds, got ${value}`);
  }
  return typedNumber(value);
}

function timelimit(msg: TaskMessage): unknown[] {
  return [limit(msg.timeLimit.hard, 'timeLimit.hard'), limit(msg.timeLimit.soft, 'timeLimit.soft')];
}

/** The sixteen protocol headers, in Celery's order, with null where a value does not apply. */
export function fullHeaders(msg: TaskMessage): Record<ProtocolHeader, unknown> {
  return {
    // A message we build says `js`; one we forward (e.g. a retry of a Python task) keeps its own lang.
    lang: msg.lang ?? TASK_LANG,
    task: msg.task,
    id: msg.id,
    shadow: msg.shadow,
    eta: optionalDate(msg.eta, 'eta'),
    expires: optionalDate(msg.expires, 'expires'),
    group: msg.groupId,
    group_index: msg.groupIndex === null ? null : typedNumber(msg.groupIndex),
    retries: typedNumber(msg.retries),
    timelimit: timelimit(msg),
    root_id: msg.rootId === '' ? msg.id : msg.rootId,
    parent_id: msg.parentId,
    argsrepr: argsRepr(msg.args),
    kwargsrepr: kwargsRepr(msg.kwargs),
    origin: msg.origin,
    ignore_result: msg.ignoreResult,
  };
}

/** `task`, `id` and the headers that differ from their default, in Celery's order. */
export function leanHeaders(msg: TaskMessage): Record<string, unknown> {
  const headers: Record<string, unknown> = { task: msg.task, id: msg.id };
  if (msg.shadow !== null) headers['shadow'] = msg.shadow;
  if (msg.eta !== null) headers['eta'] = date(msg.eta, 'eta');
  if (msg.expires !== null) headers['expires'] = date(msg.expires, 'expires');
  if (msg.groupId !== null) headers['group'] = msg.groupId;
  if (msg.groupIndex !== null) headers['group_index'] = typedNumber(msg.groupIndex);
  if (msg.retries !== 0) headers['retries'] = typedNumber(msg.retries);
  if (msg.timeLimit.hard !== null || msg.timeLimit.soft !== null) {
    headers['timelimit'] = timelimit(msg);
  }
  if (msg.rootId !== '' && msg.rootId !== msg.id) headers['root_id'] = msg.rootId;
  if (msg.parentId !== null) headers['parent_id'] = msg.parentId;
  if (msg.ignoreResult) headers['ignore_result'] = true;
  return headers;
}
