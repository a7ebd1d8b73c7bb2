/**
 * Reading a dead letter, and turning it back into a task for its original queue. Pure: the `DeadLetters`
 * service does the broker work.
 */
import type { IncomingMessage, OutgoingMessage } from '../message/amqp-message.js';
import { parseCeleryDate } from '../message/celery-date.js';
import { decodeTask } from '../message/decode-task.js';
import { republishable } from '../message/republish.js';
import { DEAD_LETTER_HEADERS } from './dead-letter.js';

/** One message of a dead-letter queue, as `DeadLetters.list()` shows it. Null where it does not say. */
export interface DeadLetter {
  /** Task id (`id` header). */
  readonly id: string | null;
  /** Task name (`task` header). */
  readonly task: string | null;
  /** Why it was dead-lettered (`x-celeriac-reason`): `task-failed`, `unknown-task`, `bad-json`, ... */
  readonly reason: string | null;
  readonly detail: string | null;
  /** The exception of a failed task: its class (`ValueError`) and message. */
  readonly excType: string | null;
  /** Its arguments, Celery's `exc_message`: the same shape as `TaskFailedError.excMessage`. */
  readonly excMessage: readonly unknown[] | null;
  /** Runs so far, counting the last one (`retries + 1`). */
  readonly attempts: number | null;
  /** Where it came from: the queue the worker consumed, and the exchange and routing key it came with. */
  readonly originalQueue: string | null;
  readonly originalExchange: string | null;
  readonly originalRoutingKey: string | null;
  readonly deadAt: Date | null;
  /** The task's arguments, when the body decodes as a Celery task; null otherwise (e.g. for `bad-json`). */
  readonly args: readonly unknown[] | null;
  readonly kwargs: Readonly<Record<string, unknown>> | null;
}

/** Reads what a dead letter says about itself. Never throws. */
export function readDeadLetter(message: IncomingMessage, maxPayloadBytes: number): DeadLetter {
  const headers = message.properties.headers ?? {};
  const text = (name: string): string | null => {
    const value = headers[name];
    if (typeof value === 'string') return value;
    return Buffer.isBuffer(value) ? value.toString('utf8') : null;
  };
  const decoded = decodeTask(message, { maxPayloadBytes });
  const attempts = headers[DEAD_LETTER_HEADERS.attempts];
  return {
    id: decoded.ok ? decoded.message.id : decoded.taskId,
    task: decoded.ok ? decoded.message.task : decoded.task,
    reason: text(DEAD_LETTER_HEADERS.reason),
    detail: text(DEAD_LETTER_HEADERS.detail),
    excType: text(DEAD_LETTER_HEADERS.excType),
    excMessage: excArgsOf(text(DEAD_LETTER_HEADERS.excArgs), text(DEAD_LETTER_HEADERS.excMessage)),
    attempts: typeof attempts === 'number' ? attempts : null,
    originalQueue: originalQueueOf(headers),
    originalExchange: text(DEAD_LETTER_HEADERS.exchange),
    originalRoutingKey: text(DEAD_LETTER_HEADERS.routingKey),
    deadAt: parseCeleryDate(text(DEAD_LETTER_HEADERS.deadAt)),
    args: decoded.ok ? decoded.message.args : null,
    kwargs: decoded.ok ? decoded.message.kwargs : null,
  };
}

/** The JSON args header when it parses to an array; else the one-line message (older letters) as one arg. */
function excArgsOf(json: string | null, message: string | null): readonly unknown[] | null {
  if (json !== null) {
    try {
      const parsed: unknown = JSON.parse(json);
      if (Array.isArray(parsed)) return parsed as unknown[];
    } catch {
      // fall through to the message
    }
  }
  return message === null ? null : [message];
}

/** Headers a replayed task leaves behind: why it died, and what the broker added when it dead-lettered it. */
const DEATH_HEADER = /^(x-celeriac-|x-death$|x-first-death-|x-last-death-)/;

/**
 * The dead letter as a fresh task for its original queue: the body byte for byte, the properties that
 * matter, the dead-letter and `x-death` headers stripped, `retries` back to 0, and integers re-typed as
 * 32-bit so a Python worker reads them. Null when the letter does not say which queue it came from.
 */
export function replayMessage(
  message: IncomingMessage,
): { queue: string; message: OutgoingMessage } | null {
  const original = message.properties.headers ?? {};
  const queue = originalQueueOf(original);
  if (queue === null) return null;
  const headers = Object.fromEntries(
    Object.entries(original).filter(([name]) => !DEATH_HEADER.test(name)),
  );
  if ('retries' in headers) headers['retries'] = 0;
  return { queue, message: republishable(message, headers) };
}

/**
 * Ours, or, for a message the broker dead-lettered itself (a quorum queue's delivery limit), the queue
 * RabbitMQ names in `x-first-death-queue`.
 */
function originalQueueOf(headers: Readonly<Record<string, unknown>>): string | null {
  for (const name of [DEAD_LETTER_HEADERS.queue, 'x-first-death-queue']) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
    if (Buffer.isBuffer(value) && value.length > 0) return value.toString('utf8');
  }
  return null;
}
