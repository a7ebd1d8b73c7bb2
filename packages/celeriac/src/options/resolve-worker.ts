import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { checkQueueName } from './amqp-names.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys } from './known-keys.js';
import {
  checkArray,
  checkBoolean,
  checkInteger,
  checkNonEmptyString,
  checkPlainObject,
} from './option-checks.js';
import { resolveDeadLetters } from './resolve-dead-letters.js';
import {
  type ResolvedWorkerOptions,
  TASK_QUEUE_DEFAULTS,
  type WorkerOptions,
} from './task-queue-options.js';

const WORKER_KEYS = {
  queues: true,
  concurrency: true,
  prefetch: true,
  shutdownGraceMs: true,
  nodeName: true,
  queueLimits: true,
  beat: true,
  deadLetters: true,
  metricsPort: true,
} as const satisfies Record<keyof WorkerOptions, true>;

const MAX_CONCURRENCY = 10_000;
const MAX_PORT = 65_535;
/** `basic.qos` takes the prefetch count as an unsigned short. */
const MAX_PREFETCH = 65_535;
/** Node's timers overflow above 2^31 − 1 ms and then fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** What the worker options depend on elsewhere in the options. */
export interface WorkerContext {
  readonly defaultQueue: string;
  /** Told of each queue to consume, with the field naming it; throws if it may not be used. */
  readonly useQueue: (queue: string, field: string) => void;
  /** Called only when `nodeName` is not given. */
  readonly hostname: () => string;
}

/**
 * Checks the `worker` option and applies its defaults.
 *
 * @param value - `worker` after its default (`{}`) was applied
 * @throws InvalidOptionsError naming the field, e.g. `worker.concurrency`
 */
export function resolveWorker(value: unknown, context: WorkerContext): ResolvedWorkerOptions {
  const input = checkPlainObject('worker', value, 'an object of worker options');
  checkKnownKeys('worker', input, Object.keys(WORKER_KEYS));
  const queues = resolveWorkerQueues(input['queues'] ?? [context.defaultQueue], context);
  const concurrency = checkInteger(
    'worker.concurrency',
    input['concurrency'] ?? TASK_QUEUE_DEFAULTS.concurrency,
    1,
    MAX_CONCURRENCY,
  );
  // Prefetch defaults to concurrency: a worker then holds no more unacked tasks than it can run.
  const prefetch = checkInteger(
    'worker.prefetch',
    input['prefetch'] ?? concurrency,
    1,
    MAX_PREFETCH,
  );
  const shutdownGraceMs = checkInteger(
    'worker.shutdownGraceMs',
    input['shutdownGraceMs'] ?? TASK_QUEUE_DEFAULTS.shutdownGraceMs,
    0,
    MAX_TIMER_MS,
  );
  const nodeName = checkNonEmptyString(
    'worker.nodeName',
    input['nodeName'] ?? `celeriac@${context.hostname()}`,
  );
  const queueLimits = resolveQueueLimits(input['queueLimits'] ?? {}, concurrency);
  const beat = checkBoolean('worker.beat', input['beat'] ?? false);
  const deadLetters = resolveDeadLetters(input['deadLetters'] ?? {});
  const metricsPort =
    input['metricsPort'] === undefined || input['metricsPort'] === null
      ? null
      : checkInteger('worker.metricsPort', input['metricsPort'], 0, MAX_PORT);
  return Object.freeze({
    queues,
    concurrency,
    prefetch,
    shutdownGraceMs,
    nodeName,
    queueLimits,
    beat,
    deadLetters,
    metricsPort,
  });
}

function resolveQueueLimits(
  value: unknown,
  workerConcurrency: number,
): ResolvedWorkerOptions['queueLimits'] {
  const input = checkPlainObject(
    'worker.queueLimits',
    value,
    'an object of queue name → { concurrency, prefetch }',
  );
  const out: Record<string, Readonly<{ concurrency: number; prefetch: number }>> = {};
  for (const [queue, limits] of Object.entries(input)) {
    const field = `worker.queueLimits.${queue}`;
    checkQueueName(field, queue);
    const entry = checkPlainObject(field, limits, 'an object with concurrency and/or prefetch');
    checkKnownKeys(field, entry, ['concurrency', 'prefetch']);
    const concurrency = checkInteger(
      `${field}.concurrency`,
      entry['concurrency'] ?? workerConcurrency,
      1,
      MAX_CONCURRENCY,
    );
    const prefetch = checkInteger(
      `${field}.prefetch`,
      entry['prefetch'] ?? concurrency,
      1,
      MAX_PREFETCH,
    );
    out[queue] = Object.freeze({ concurrency, prefetch });
  }
  return Object.freeze(out);
}

function resolveWorkerQueues(value: unknown, context: WorkerContext): readonly string[] {
  const names = checkArray('worker.queues', value, 'an array of queue names');
  if (names.length === 0) {
    throw new InvalidOptionsError(
      'worker.queues',
      'must name at least one queue to consume, got an empty array',
    );
  }
  const queues = names.map((name, i) => {
    const field = `worker.queues[${i}]`;
    const queue = checkQueueName(field, name);
    const first = names.indexOf(queue);
    if (first !== i) {
      throw new InvalidOptionsError(
        field,
        `duplicates worker.queues[${first}], got ${describeValue(queue)}`,
      );
    }
    context.useQueue(queue, field);
    return queue;
  });
  return Object.freeze(queues);
}
