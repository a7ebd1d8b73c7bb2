/**
 * Encoding a TaskMessage as Celery 5.2 does (celery-protocol.md §2–§4), so that a Python worker runs it
 * exactly like one sent by a Python client.
 */

import type { OutgoingMessage, OutgoingProperties } from './amqp-message.js';
import { formatCeleryDate } from './celery-date.js';
import { toAmqpHeaders, typedNumber } from './header-values.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { ProtocolHeader } from './protocol-headers.js';
import { RESERVED_HEADERS } from './protocol-headers.js';
import { argsRepr, kwargsRepr } from './python-repr.js';
import { JSON_CONTENT_TYPE, TASK_LANG, UTF8, type TaskMessage } from './task-message.js';

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function date(value: Date | null, field: string): string | null {
  if (value === null) {
    return null;
  }
  try {
    return formatCeleryDate(value);
  } catch (err) {
    throw new MessageEncodeError(field, err instanceof Error ? err.message : 'invalid date', {
      cause: err,
    });
  }
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

function checkMessage(msg: TaskMessage): void {
  if (msg.id === '') {
    throw new MessageEncodeError('id', 'must be a non-empty string');
  }
  if (msg.task === '') {
    throw new MessageEncodeError('task', 'must be a non-empty string');
  }
  if (!isNonNegativeInteger(msg.retries)) {
    throw new MessageEncodeError('retries', `must be a non-negative integer, got ${msg.retries}`);
  }
  if (msg.groupIndex !== null && !isNonNegativeInteger(msg.groupIndex)) {
    throw new MessageEncodeError(
      'groupIndex',
      `must be a non-negative integer, got ${msg.groupIndex}`,
    );
  }
  if (
    msg.priority !== null &&
    !(Number.isInteger(msg.priority) && msg.priority >= 0 && msg.priority <= 255)
  ) {
    throw new MessageEncodeError('priority', `must be an integer 0..255, got ${msg.priority}`);
  }
}

/** The sixteen protocol headers, in Celery's order, with null where a value does not apply. */
function protocolHeaders(msg: TaskMessage): Record<ProtocolHeader, unknown> {
  return {
    // A message we build says `js`; one we forward (e.g. a retry of a Python task) keeps its own lang.
    lang: msg.lang ?? TASK_LANG,
    task: msg.task,
    id: msg.id,
    shadow: msg.shadow,
    eta: date(msg.eta, 'eta'),
    expires: date(msg.expires, 'expires'),
    group: msg.groupId,
    group_index: msg.groupIndex === null ? null : typedNumber(msg.groupIndex),
    retries: typedNumber(msg.retries),
    timelimit: [
      limit(msg.timeLimit.hard, 'timeLimit.hard'),
      limit(msg.timeLimit.soft, 'timeLimit.soft'),
    ],
    root_id: msg.rootId === '' ? msg.id : msg.rootId,
    parent_id: msg.parentId,
    argsrepr: argsRepr(msg.args),
    kwargsrepr: kwargsRepr(msg.kwargs),
    origin: msg.origin,
    ignore_result: msg.ignoreResult,
  };
}

/** Custom headers with the reserved names dropped: they can never override protocol headers. */
function customHeaders(extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const allowed: Record<string, unknown> = {};
  for (const name of Object.keys(extra)) {
    if (!RESERVED_HEADERS.has(name)) allowed[name] = extra[name];
  }
  try {
    return toAmqpHeaders(allowed);
  } catch (err) {
    throw new MessageEncodeError('extraHeaders', err instanceof Error ? err.message : 'bad value', {
      cause: err,
    });
  }
}

function body(msg: TaskMessage): Buffer {
  // Always the four-key embed: a 5.2 worker reads embed.chord on some paths (celery-protocol.md §4).
  const embed = {
    callbacks: msg.embed.callbacks,
    errbacks: msg.embed.errbacks,
    chain: msg.embed.chain,
    chord: msg.embed.chord,
  };
  try {
    return Buffer.from(JSON.stringify([msg.args, msg.kwargs, embed]), 'utf8');
  } catch (err) {
    // A BigInt or a cycle somewhere in args, kwargs or the embedded signatures.
    throw new MessageEncodeError(
      'body',
      err instanceof Error ? err.message : 'not JSON-serializable',
      {
        cause: err,
      },
    );
  }
}

/**
 * Encodes a task as a protocol 2 message ready to publish. Throws MessageEncodeError for values the
 * protocol cannot carry.
 *
 * Unlike Celery's client, it sets no AMQP `expiration` (per-message TTL) for `expires`: RabbitMQ drops an
 * expired message from a queue without a dead-letter exchange (Celery's stock `celery` queue has none), so
 * its caller would wait for ever and nothing would say why. The `expires` header alone makes the worker that
 * takes the task answer REVOKED and dead-letter it as expired, as Celery's worker does on receipt.
 */
export function encodeTask(msg: TaskMessage): OutgoingMessage {
  checkMessage(msg);
  const content = body(msg);
  // Protocol headers first (Celery's order), custom ones after; custom ones never carry a reserved
  // name, so they cannot replace a protocol header. The common case, no custom headers, copies nothing.
  const headers: Record<string, unknown> = protocolHeaders(msg);
  if (Object.keys(msg.extraHeaders).length > 0) {
    Object.assign(headers, customHeaders(msg.extraHeaders));
  }
  const properties: OutgoingProperties = {
    contentType: JSON_CONTENT_TYPE,
    contentEncoding: UTF8,
    headers,
    deliveryMode: 2,
    // Clients always send a priority, 0 by default (celery-protocol.md §2).
    priority: msg.priority ?? 0,
    correlationId: msg.correlationId === '' ? msg.id : msg.correlationId,
  };
  if (msg.replyTo !== null && msg.replyTo !== '') {
    properties.replyTo = msg.replyTo;
  }
  return { content, properties };
}
