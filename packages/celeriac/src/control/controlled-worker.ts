import type { IncomingFields } from '../message/amqp-message.js';
import type { TaskMessage } from '../message/task-message.js';
import type { ResolvedQueue, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';

/** A task the worker holds, as the inspect commands describe it. */
export interface HeldTask {
  readonly message: TaskMessage;
  readonly fields: IncomingFields;
  /** Milliseconds since the epoch when its handler started; null while it waits. */
  readonly startedAt: number | null;
}

/** What a worker lets remote control see and change; implemented in `worker/`. */
export interface ControlledWorker {
  readonly nodeName: string;
  readonly options: ResolvedTaskQueueOptions;
  /** Milliseconds since the epoch when the worker started. */
  readonly startedAt: number;
  /** The events Lamport clock. */
  clock(): number;
  /** Registered task names with their rate limit (tasks per second), or null for none. */
  registered(): readonly { readonly name: string; readonly ratePerSecond: number | null }[];
  running(): Iterable<HeldTask>;
  reserved(): Iterable<HeldTask>;
  scheduled(): Iterable<HeldTask>;
  revokedIds(): readonly string[];
  /** Tasks finished since start, by name. */
  totals(): ReadonlyMap<string, number>;
  /** Tasks running at once in the shared pool now. */
  concurrency(): number;
  consumedQueues(): readonly ResolvedQueue[];
  /** Sets a task's rate limit (null: none); false for a task this worker does not know. */
  setRateLimit(task: string, ratePerSecond: number | null): boolean;
  /** Sets a task's time limits in seconds (null: none); false for a task this worker does not know. */
  setTimeLimits(task: string, hardSeconds: number | null, softSeconds: number | null): boolean;
  /** Starts consuming `queue`; false when it consumes it already. */
  addConsumer(queue: ResolvedQueue): Promise<boolean>;
  /** Stops consuming `queue`; false when it did not consume it. */
  cancelConsumer(queue: string): Promise<boolean>;
  /** Changes the shared pool's concurrency by `delta`; returns the new concurrency. */
  resizePool(delta: number): number;
  /** Turns task events on or off; returns whether they were on before. */
  setTaskEvents(enabled: boolean): boolean;
  /** A warm shutdown, as SIGTERM starts. */
  shutdown(): void;
}
