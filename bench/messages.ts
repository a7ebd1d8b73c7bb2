import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Options } from 'amqplib';
import { BENCH_TASK, sentAtOf } from './protocol.js';

/**
 * The messages the raw amqplib agents (and golevelup carrying Celeriac's messages) publish, one shape per
 * rung of the ladder from the least a task message can carry to what Celeriac sends:
 *
 * - `min`: what @golevelup/nestjs-rabbitmq publishes for `{ sentAt }`: that JSON (~28 bytes), persistent,
 *   no other property, not `mandatory` (an unroutable message is dropped without a word).
 * - `bare`: Celery's body `[args, kwargs, embed]` (~95 bytes), persistent, `mandatory`, content type and
 *   encoding: every property Celeriac sends but the header table, correlation id and priority.
 * - `celery`: `bare` plus the Celery protocol 2 header table, correlation id and priority that Celeriac's
 *   `TaskClient.send()` gives this task: the exact message Celeriac publishes.
 */
export type MessageShape = 'min' | 'bare' | 'celery';

const MIN_OPTIONS: Options.Publish = { persistent: true };

const BARE_OPTIONS: Options.Publish = {
  persistent: true,
  mandatory: true,
  contentType: 'application/json',
  contentEncoding: 'utf-8',
};

/** What Celeriac's `TaskClient` puts in `origin`. */
const ORIGIN = `gen${process.pid}@${hostname()}`;

/** Celery's `retries` as kombu and Celeriac type it: an AMQP int32 (`I`), not amqplib's default byte. */
const NO_RETRIES = { '!': 'int32', value: 0 } as const;

/** The same switch as the Celeriac side (celeriac.ts): Celery's full table, or the lean default. */
const FULL_HEADERS = process.env['BENCH_TASK_HEADERS'] === 'full';

/**
 * The properties of a Celery protocol 2 task (celery-protocol.md §2–§3), written by hand the way kombu
 * builds them (a fresh UUID as id and correlation id; priority 0) and with the values Celeriac's
 * `TaskClient.send()` gives this task, so that both publish the same header table (same keys in the same
 * order, same value types, same lengths): the lean one Celeriac sends by default (`task`, `id`,
 * `ignore_result`), or with BENCH_TASK_HEADERS=full Celery's sixteen; then, as Celeriac stamps every task,
 * `timestamp_in_ms` (its send time, for the worker's wait metric).
 */
function celeryProperties(sentAt: number): Options.Publish {
  const id = randomUUID();
  return {
    ...BARE_OPTIONS,
    headers: FULL_HEADERS
      ? {
          lang: 'js',
          task: BENCH_TASK,
          id,
          shadow: null,
          eta: null,
          expires: null,
          group: null,
          group_index: null,
          retries: NO_RETRIES,
          timelimit: [null, null],
          root_id: id,
          parent_id: null,
          argsrepr: `(${sentAt},)`,
          kwargsrepr: '{}',
          origin: ORIGIN,
          ignore_result: true,
          timestamp_in_ms: { '!': 'int64', value: Date.now() },
        }
      : {
          task: BENCH_TASK,
          id,
          ignore_result: true,
          timestamp_in_ms: { '!': 'int64', value: Date.now() },
        },
    priority: 0,
    correlationId: id,
  };
}

export function messageBody(shape: MessageShape, sentAt: number): Buffer {
  return Buffer.from(
    JSON.stringify(
      shape === 'min'
        ? { sentAt }
        : [[sentAt], {}, { callbacks: null, errbacks: null, chain: null, chord: null }],
    ),
  );
}

/** Celeriac's properties without its `timestamp_in_ms` stamp: the broker cost ladder's step before it. */
export function unstampedCeleryOptions(sentAt: number): Options.Publish {
  const options = celeryProperties(sentAt);
  const { timestamp_in_ms: _stamp, ...headers } = options.headers as Record<string, unknown>;
  return { ...options, headers };
}

export function messageOptions(shape: MessageShape, sentAt: number): Options.Publish {
  if (shape === 'celery') return celeryProperties(sentAt);
  return shape === 'min' ? MIN_OPTIONS : BARE_OPTIONS;
}

/** The send time a decoded body of any shape carries. */
export function sentAtOfBody(decoded: unknown): number {
  if (Array.isArray(decoded)) return sentAtOf(decoded[0]);
  const sentAt: unknown = (decoded as { sentAt?: unknown } | null)?.sentAt;
  if (typeof sentAt === 'number') return sentAt;
  throw new Error(`Unexpected message body: ${JSON.stringify(decoded)}`);
}
