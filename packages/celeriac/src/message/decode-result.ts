/**
 * Decoding an rpc:// result message (celery-protocol.md §7–§9). Never throws. Keys beyond the five of
 * Celery 5.2 (`date_done`, `group_id`, `parent_id` in newer Celery) are ignored.
 */

import type { IncomingMessage } from './amqp-message.js';
import { checkContent } from './content-checks.js';
import { exceptionFromWire } from './exception-info.js';
import { isJsonObject } from './decode-task-body.js';
import { checkPayloadSize, parseJsonPayload, type DecodeLimits } from './json-payload.js';
import type { ResultMessage, TaskState } from './result-message.js';

export type ResultDecodeFailureReason =
  | 'oversize'
  | 'content-type'
  | 'compressed'
  | 'bad-json'
  | 'forbidden-key'
  | 'too-deep'
  | 'bad-shape'
  /** A state we do not know, e.g. one of Celery's internal REJECTED/IGNORED. */
  | 'unknown-status';

export type ResultDecodeResult =
  | { readonly ok: true; readonly result: ResultMessage }
  | { readonly ok: false; readonly reason: ResultDecodeFailureReason; readonly detail: string };

const TASK_STATES: ReadonlySet<string> = new Set<TaskState>([
  'PENDING',
  'RECEIVED',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'RETRY',
  'REVOKED',
]);

/** States whose `result` is an exception object (celery-protocol.md §8). */
const EXCEPTION_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'FAILURE',
  'RETRY',
  'REVOKED',
]);

function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && TASK_STATES.has(value);
}

function fail(reason: ResultDecodeFailureReason, detail: string): ResultDecodeResult {
  return { ok: false, reason, detail };
}

function decode(delivery: IncomingMessage, limits: DecodeLimits): ResultDecodeResult {
  const { properties, content } = delivery;
  // Size first, before anything else is looked at; then content type, so nothing but JSON is parsed.
  const oversize = checkPayloadSize(content, limits);
  if (oversize !== null) {
    return fail('oversize', oversize);
  }
  const contentProblem = checkContent(properties, properties.headers ?? {});
  if (contentProblem !== null) {
    return fail(contentProblem.reason, contentProblem.detail);
  }
  const parsed = parseJsonPayload(content, limits);
  if (!parsed.ok) {
    return fail(parsed.reason, parsed.detail);
  }
  const body = parsed.value;
  if (!isJsonObject(body)) {
    return fail('bad-shape', 'result body must be a JSON object');
  }
  const { task_id: taskId, status, traceback, children } = body;
  if (typeof taskId !== 'string' || taskId === '') {
    return fail('bad-shape', '"task_id" must be a non-empty string');
  }
  if (!isTaskState(status)) {
    return fail(
      'unknown-status',
      `unknown status ${typeof status === 'string' ? `"${status}"` : typeof status}`,
    );
  }
  if (traceback !== undefined && traceback !== null && typeof traceback !== 'string') {
    return fail('bad-shape', '"traceback" must be a string or null');
  }
  if (children !== undefined && children !== null && !Array.isArray(children)) {
    return fail('bad-shape', '"children" must be a list');
  }
  const result: unknown = body['result'] ?? null;
  return {
    ok: true,
    result: {
      taskId,
      status,
      result,
      exception: EXCEPTION_STATES.has(status) ? exceptionFromWire(result) : null,
      traceback: traceback ?? null,
      children: (children ?? []) as unknown[],
    },
  };
}

/** Decodes a result delivery. Never throws. Limits default to 1 MiB and 64 levels, as for tasks. */
export function decodeResult(
  delivery: IncomingMessage,
  limits: DecodeLimits = {},
): ResultDecodeResult {
  try {
    return decode(delivery, limits);
  } catch (err) {
    return fail(
      'bad-shape',
      `unexpected delivery: ${err instanceof Error ? err.message : 'non-Error thrown'}`,
    );
  }
}
