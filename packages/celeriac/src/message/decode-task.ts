/**
 * Decoding a delivery into a protocol 2 TaskMessage (celery-protocol.md §2–§4, §13, §14).
 *
 * It never throws: every problem becomes a failure with a reason, plus whatever identifies the task
 * (id, name, reply queue, correlation id), so a worker can still reply FAILURE to the caller, who would
 * otherwise wait forever, and reject the message without requeue instead of crashing on it.
 */

import type { IncomingMessage, IncomingProperties } from './amqp-message.js';
import { checkContent } from './content-checks.js';
import { decodeTaskBody, isJsonObject } from './decode-task-body.js';
import { decodeTaskHeaders, readHeader } from './decode-task-headers.js';
import { checkPayloadSize, parseJsonPayload, type DecodeLimits } from './json-payload.js';
import type { TaskMessage } from './task-message.js';

/** Why a delivery is not a task we can run. */
export type DecodeFailureReason =
  /** Body larger than `maxPayloadBytes`; checked before anything is parsed. */
  | 'oversize'
  /** Not `application/json` in UTF-8 (pickle, yaml, msgpack, no content type at all...). */
  | 'content-type'
  /** A `compression` header: compressed bodies are not supported. */
  | 'compressed'
  /** A protocol 1 message (no `task` header, task and id in the body); see `classifyHeaderless`. */
  | 'protocol-1'
  /** Neither protocol 2 nor protocol 1: not a Celery task. */
  | 'not-a-task'
  /** Not valid JSON or not valid UTF-8. */
  | 'bad-json'
  /** A `__proto__` or `constructor.prototype` key somewhere in the body. */
  | 'forbidden-key'
  /** Nesting deeper than `maxDepth`. */
  | 'too-deep'
  /** Body not `[args, kwargs, embed]` of the right types, or a malformed embedded signature. */
  | 'bad-shape'
  /** No `id` header (a 5.2 worker crashes on such a message). */
  | 'missing-id'
  /** A protocol header of the wrong type or with an unreadable value (eta, retries, timelimit...). */
  | 'bad-header';

/** What identifies the task, as far as it could be read; null where it could not. */
export interface TaskIdentity {
  readonly taskId: string | null;
  readonly task: string | null;
  /** The caller's reply queue; null when absent or empty (then nobody can be told). */
  readonly replyTo: string | null;
  /** The `correlation_id` property, or the task id when there is none. */
  readonly correlationId: string | null;
}

export interface DecodeFailure extends TaskIdentity {
  readonly ok: false;
  readonly reason: DecodeFailureReason;
  /** A sentence for the logs. */
  readonly detail: string;
}

export type DecodeResult = { readonly ok: true; readonly message: TaskMessage } | DecodeFailure;

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Reads the identity from headers and properties alone. Never throws. */
function identify(
  headers: Readonly<Record<string, unknown>>,
  properties: IncomingProperties,
): TaskIdentity {
  try {
    const taskId = nonEmptyString(readHeader(headers, 'id'));
    return {
      taskId,
      task: nonEmptyString(readHeader(headers, 'task')),
      replyTo: nonEmptyString(properties.replyTo),
      correlationId: nonEmptyString(properties.correlationId) ?? taskId,
    };
  } catch {
    return { taskId: null, task: null, replyTo: null, correlationId: null };
  }
}

function failure(
  reason: DecodeFailureReason,
  detail: string,
  identity: TaskIdentity,
): DecodeFailure {
  return { ok: false, reason, detail, ...identity };
}

/**
 * A message without a `task` header. If its body is an object with `task` and `id`, it is protocol 1
 * (celery-protocol.md §13), which we refuse on purpose:
 * - no Celery client has sent it by default since Celery 4 (2016), so supporting it buys almost nothing;
 * - its `eta`/`expires` may be naive *local* times of the sender (`utc: false`), which we cannot place in
 *   time reliably, and chains are nested inside `callbacks` instead of `embed.chain`;
 * - a second body format doubles the surface an untrusted message can probe.
 * The id, name and reply queue are read from the body so the caller can still be told why.
 */
function classifyHeaderless(
  delivery: IncomingMessage,
  limits: DecodeLimits,
  identity: TaskIdentity,
): DecodeFailure {
  const parsed = parseJsonPayload(delivery.content, limits);
  if (!parsed.ok) {
    return failure(
      'not-a-task',
      `no "task" header, and the body is unreadable (${parsed.reason}: ${parsed.detail})`,
      identity,
    );
  }
  const body = parsed.value;
  if (isJsonObject(body) && Object.hasOwn(body, 'task') && Object.hasOwn(body, 'id')) {
    const taskId = identity.taskId ?? nonEmptyString(body['id']);
    return failure(
      'protocol-1',
      'Celery message protocol 1 is not supported; send with task_protocol=2 (the default since Celery 4)',
      {
        taskId,
        task: identity.task ?? nonEmptyString(body['task']),
        replyTo: identity.replyTo,
        correlationId: identity.correlationId ?? taskId,
      },
    );
  }
  return failure('not-a-task', 'no "task" header and the body is not a Celery task', identity);
}

function decode(delivery: IncomingMessage, limits: DecodeLimits): DecodeResult {
  const { properties, content } = delivery;
  const headers = properties.headers ?? {};
  const identity = identify(headers, properties);

  const oversize = checkPayloadSize(content, limits);
  if (oversize !== null) {
    return failure('oversize', oversize, identity);
  }
  const contentProblem = checkContent(properties, headers);
  if (contentProblem !== null) {
    return failure(contentProblem.reason, contentProblem.detail, identity);
  }
  // A `task` header is what marks protocol 2 (celery-protocol.md §6).
  const taskHeader = readHeader(headers, 'task');
  if (taskHeader === undefined || taskHeader === null) {
    return classifyHeaderless(delivery, limits, identity);
  }
  const parsed = parseJsonPayload(content, limits);
  if (!parsed.ok) {
    return failure(parsed.reason, parsed.detail, identity);
  }
  const fromHeaders = decodeTaskHeaders(headers);
  if (!fromHeaders.ok) {
    return failure(fromHeaders.reason, fromHeaders.detail, identity);
  }
  const body = decodeTaskBody(parsed.value);
  if (!body.ok) {
    return failure('bad-shape', body.detail, identity);
  }
  const { fields } = fromHeaders;
  // Fields listed one by one: a spread of `fields` here fell off V8's fast path and was most of the
  // decode's cost in the benchmark profile (5 of 8 µs per task).
  const message: TaskMessage = {
    id: fields.id,
    task: fields.task,
    rootId: fields.rootId,
    parentId: fields.parentId,
    groupId: fields.groupId,
    groupIndex: fields.groupIndex,
    shadow: fields.shadow,
    eta: fields.eta,
    expires: fields.expires,
    retries: fields.retries,
    timeLimit: fields.timeLimit,
    ignoreResult: fields.ignoreResult,
    origin: fields.origin,
    lang: fields.lang,
    extraHeaders: fields.extraHeaders,
    args: body.args,
    kwargs: body.kwargs,
    embed: body.embed,
    correlationId: nonEmptyString(properties.correlationId) ?? fields.id,
    replyTo: nonEmptyString(properties.replyTo),
    priority: typeof properties.priority === 'number' ? properties.priority : null,
  };
  return { ok: true, message };
}

/**
 * Decodes a task delivery. Never throws; see `DecodeFailureReason` for the ways it can fail.
 * Limits default to 1 MiB and 64 levels of nesting.
 */
export function decodeTask(delivery: IncomingMessage, limits: DecodeLimits = {}): DecodeResult {
  try {
    return decode(delivery, limits);
  } catch (err) {
    // Only reachable through a delivery that breaks its own type (e.g. a throwing getter). Nothing can be
    // trusted then, not even reading its properties again, so no identity either.
    const detail = err instanceof Error ? err.message : 'non-Error thrown';
    return failure('bad-shape', `unexpected delivery: ${detail}`, {
      taskId: null,
      task: null,
      replyTo: null,
      correlationId: null,
    });
  }
}
