import { hostname } from 'node:os';
import type { TaskEvents } from '../events/task-events.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import type { RevocationGate } from '../revocation/revocation-gate.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { TaskPublisher } from '../sending/task-publisher.js';
import { chordJoiner, resultStoring } from './result-storing.js';
import type { TaskDispatcher } from './task-dispatcher.js';
import { TaskRunner } from './task-runner.js';
import type { WorkerListeners } from './worker-listeners.js';

/** What a worker's runner is built from. */
export interface RunnerParts {
  readonly options: ResolvedTaskQueueOptions;
  readonly runtime: TaskQueueRuntime;
  readonly tasks: TaskPublisher;
  readonly revocations: RevocationGate;
  readonly events: TaskEvents;
  readonly listeners: WorkerListeners;
}

/** The runner of a worker's deliveries, with its limits, result store, chord join and events. */
export function createRunner(dispatcher: TaskDispatcher, parts: RunnerParts): TaskRunner {
  const { options, runtime, tasks } = parts;
  const worker = options.worker;
  const origin = `gen${process.pid}@${hostname()}`;
  return new TaskRunner(runtime.publisher, tasks, dispatcher, {
    concurrency: worker.concurrency,
    maxPayloadBytes: options.maxPayloadBytes,
    nodeName: worker.nodeName,
    origin,
    // A hold outlasting the broker's consumer_timeout would get its channel closed (eta-requeue.ts).
    maxHoldMs: Math.floor(options.brokerConsumerTimeoutMs / 2),
    revocations: parts.revocations,
    results: resultStoring(runtime, options),
    chords: chordJoiner(runtime, tasks, origin),
    queueConcurrency: Object.fromEntries(
      Object.entries(worker.queueLimits).map(([queue, lane]) => [queue, lane.concurrency]),
    ),
    onAbandoned: (task: string) => {
      parts.listeners.taskAbandoned(task);
    },
    events: parts.events,
    instruments: runtime.instruments,
  });
}
