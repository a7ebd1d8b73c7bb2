import { deadLetterQueueName } from '../options/queue-declarations.js';
import type { IncomingMessage, OutgoingMessage } from '../message/amqp-message.js';
import type { DecodeFailureReason } from '../message/decode-task.js';
import { republishable } from '../message/republish.js';
import type { ExceptionInfo } from '../message/result-message.js';

/** Why a message was dead-lettered: a decode failure, or what the worker decided. */
export type DeadLetterReason =
  | DecodeFailureReason
  | 'unknown-task'
  | 'expired'
  /** Revoked by `TaskClient.revoke()` before it started, or terminated while running. */
  | 'revoked'
  | 'task-failed'
  /** A delayed message without a usable eta or destination, or whose destination no longer exists. */
  | 'undeliverable-delay';

/** Headers a dead letter carries, in addition to the original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-celeriac-reason',
  detail: 'x-celeriac-detail',
  excType: 'x-celeriac-exception-type',
  excMessage: 'x-celeriac-exception-message',
  /** The exception's arguments as a JSON array (Celery's `exc_message`), when they fit. */
  excArgs: 'x-celeriac-exception-args',
  attempts: 'x-celeriac-attempts',
  queue: 'x-celeriac-original-queue',
  exchange: 'x-celeriac-original-exchange',
  routingKey: 'x-celeriac-original-routing-key',
  deadAt: 'x-celeriac-dead-at',
} as const;

export interface DeadLetterFacts {
  readonly queue: string;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly exception: ExceptionInfo | null;
  /** Runs so far, counting this one. */
  readonly attempts: number;
  readonly at: Date;
}

/**
 * A copy of the message for `<queue>.dead`: the body byte for byte, the original properties and headers
 * (integers re-typed as 32-bit so a Python worker can still read them after a replay), and why it died.
 * We publish a copy rather than `nack` into a DLX because a DLX can only say "rejected", and the stock
 * `celery` queue must keep Celery's exact arguments (no DLX).
 */
export function buildDeadLetter(
  message: IncomingMessage,
  facts: DeadLetterFacts,
): { routingKey: string; message: OutgoingMessage } {
  const headers: Record<string, unknown> = {
    ...(message.properties.headers ?? {}),
    [DEAD_LETTER_HEADERS.reason]: facts.reason,
    [DEAD_LETTER_HEADERS.detail]: truncate(facts.detail, 1024),
    [DEAD_LETTER_HEADERS.attempts]: facts.attempts,
    [DEAD_LETTER_HEADERS.queue]: facts.queue,
    [DEAD_LETTER_HEADERS.exchange]: message.fields.exchange,
    [DEAD_LETTER_HEADERS.routingKey]: message.fields.routingKey,
    [DEAD_LETTER_HEADERS.deadAt]: facts.at.toISOString(),
  };
  if (facts.exception) {
    headers[DEAD_LETTER_HEADERS.excType] = facts.exception.excType;
    headers[DEAD_LETTER_HEADERS.excMessage] = truncate(
      facts.exception.excMessage.map(String).join(', '),
      1024,
    );
    const args = jsonArgs(facts.exception.excMessage);
    // Left out when too long: a cut JSON text would not parse; readers fall back to the message above.
    if (args !== null && args.length <= 1024) headers[DEAD_LETTER_HEADERS.excArgs] = args;
  }
  return { routingKey: deadLetterQueueName(facts.queue), message: republishable(message, headers) };
}

function jsonArgs(args: readonly unknown[]): string | null {
  try {
    return JSON.stringify(args);
  } catch {
    return null;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
