import { hostname as osHostname } from 'node:os';
import { describeValue } from '../errors/describe-value.js';
import type { ResolveEnvironment } from './resolve-options.js';
import { missingQueueCollector, type QueueEntry, queueTable } from './resolve-queues.js';
import { resolveWorker } from './resolve-worker.js';
import type { ResolvedTaskQueueOptions, WorkerOptions } from './task-queue-options.js';

/**
 * Resolved options with some worker options replaced (the worker command line's `-Q`, `-c`, `--prefetch`,
 * ...), checked by the same rules as the `worker` option of `forRoot()`. A queue named in `overrides.queues`
 * that is not configured joins the queue table as Celery's missing queue, as it would from `forRoot()`
 * (or fails when `createMissingQueues` is off).
 *
 * A new `concurrency` without a `prefetch` resets `prefetch` to the default rule (equal to `concurrency`),
 * so a worker overridden to run one task at a time does not keep the prefetch of ten it had.
 *
 * Pure: `options` is not changed; the result is frozen.
 *
 * @throws InvalidOptionsError naming the field, e.g. `worker.concurrency`
 */
export function applyWorkerOverrides(
  options: ResolvedTaskQueueOptions,
  overrides: WorkerOptions,
  env?: ResolveEnvironment,
): ResolvedTaskQueueOptions {
  const { prefetch, ...current } = options.worker;
  const input: WorkerOptions = {
    ...current,
    ...(overrides.concurrency === undefined ? { prefetch } : {}),
    ...overrides,
  };
  const { missing, useQueue } = missingQueueCollector(
    (queue) => options.queues.has(queue),
    options.createMissingQueues,
  );
  const worker = resolveWorker(input, {
    defaultQueue: options.defaultQueue,
    useQueue,
    hostname: () => env?.hostname ?? osHostname(),
  });
  if (missing.length === 0) return Object.freeze({ ...options, worker });
  const known = [...options.queues.values()].map((queue): QueueEntry => ({
    queue,
    field: 'queues',
    label: `the queue ${describeValue(queue.name)}`,
  }));
  return Object.freeze({ ...options, queues: queueTable([...known, ...missing]), worker });
}
