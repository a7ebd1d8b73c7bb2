import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import type { ResultStoring } from '../results/task-reporter.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { ChordJoiner } from '../canvas/chord-join.js';
import type { TaskPublisher } from '../sending/task-publisher.js';

/** How this worker stores results: in Redis when `resultBackend` names it, else null (rpc:// replies). */
export function resultStoring(
  runtime: TaskQueueRuntime,
  options: ResolvedTaskQueueOptions,
): ResultStoring | null {
  const store = runtime.resultStore;
  if (store === null) return null;
  return { store, extended: options.results.extended, nodeName: options.worker.nodeName };
}

/** Joins chord members in Redis; null with rpc://, which cannot count them. */
export function chordJoiner(
  runtime: TaskQueueRuntime,
  tasks: TaskPublisher,
  origin: string,
): ChordJoiner | null {
  const store = runtime.resultStore;
  if (store === null) return null;
  return new ChordJoiner({
    store,
    origin,
    publish: (followUp) => tasks.publish(followUp.message, followUp.route),
  });
}
