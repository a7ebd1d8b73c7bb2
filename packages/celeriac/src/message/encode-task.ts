/**
 * Encoding a TaskMessage as Celery 5.2 does (celery-protocol.md §2–§4), so that a Python worker runs it
 * exactly like one sent by a Python client.
 */

import type { OutgoingMessage, OutgoingProperties } from './amqp-message.js';
import { toAmqpHeaders } from './header-values.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import { RESERVED_HEADERS } from './protocol-headers.js';
import { fullHeaders, leanHeaders, type TaskHeaderSet } from './task-headers.js';
import { JSON_CONTENT_TYPE, UTF8, type TaskMessage } from './task-message.js';

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Whether a table has any own key, without building the array of them (this runs on every send). */
function hasOwnKeys(table: Readonly<Record<string, unknown>>): boolean {
  for (const key in table) if (Object.hasOwn(table, key)) return true;
  return false;
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
 * Encodes a task as a protocol 2 message ready to publish, with the `full` header table (Celery's own)
 * unless `headerSet` says `lean` (see task-headers.ts). Throws MessageEncodeError for values the protocol
 * cannot carry.
 *
 * Unlike Celery's client, it sets no AMQP `expiration` (per-message TTL) for `expires`: RabbitMQ drops an
 * expired message from a queue without a dead-letter exchange (Celery's stock `celery` queue has none), so
 * its caller would wait for ever and nothing would say why. The `expires` header alone makes the worker that
 * takes the task answer REVOKED and dead-letter it as expired, as Celery's worker does on receipt.
 */
export function encodeTask(msg: TaskMessage, headerSet: TaskHeaderSet = 'full'): OutgoingMessage {
  checkMessage(msg);
  const content = body(msg);
  // Protocol headers first (Celery's order), custom ones after; custom ones never carry a reserved
  // name, so they cannot replace a protocol header. The common case, no custom headers, copies nothing.
  const headers: Record<string, unknown> =
    headerSet === 'lean' ? leanHeaders(msg) : fullHeaders(msg);
  if (hasOwnKeys(msg.extraHeaders)) {
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
