import type { TaskMessage } from '../message/task-message.js';
import { type TaskObserver, waitedSeconds } from '../runtime/instruments.js';
import { endRunSpan, runInSpan, type RunTrace, startRunSpan } from '../tracing/task-spans.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * Runs a task (`run`: its handler and what follows, results, retries, follow-ups) inside its OpenTelemetry
 * run span, and tells the observer when it started and how long it ran. Without an observer and without
 * an SDK this is one propagator call and one no-op span: nothing is timed or allocated for them.
 */
export function instrumentedRun(
  message: TaskMessage,
  delivery: Delivery,
  observer: TaskObserver | null,
  run: () => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  const queue = delivery.queue.name;
  const traced = startRunSpan(message, queue, delivery.message.fields.routingKey);
  // Neither on: no extra async frame.
  if (!traced && !observer) return run();
  return observedRun(message, queue, traced, observer, run);
}

async function observedRun(
  message: TaskMessage,
  queue: string,
  traced: RunTrace | null,
  observer: TaskObserver | null,
  run: () => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  let startedAt = 0;
  if (observer) {
    observer.started(message.task, queue, waitedSeconds(message, Date.now()));
    startedAt = performance.now();
  }
  let outcome: TaskOutcome = 'failed';
  try {
    outcome = traced ? await runInSpan(traced, run) : await run();
    return outcome;
  } finally {
    if (observer) observer.ran(message.task, queue, (performance.now() - startedAt) / 1000);
    if (traced) endRunSpan(traced, outcome, undefined);
  }
}
