import type { DeadLetterDepth } from '../transport/dead-letter-watch.js';
import type { QueueConsumerHealth } from '../transport/queue-consumer.js';

/** Lifecycle of a worker's consumers; a union, not booleans, so impossible mixes cannot exist. */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'draining' | 'closed';

/** A worker's consumers, for health checks. */
export interface WorkerHealth {
  readonly state: ConsumerState;
  /** True when running and every queue has a consumer attached on the broker right now. */
  readonly consuming: boolean;
  /** Deliveries received and not yet settled (running, waiting for an eta or a slot). */
  readonly inFlight: number;
  readonly queues: readonly QueueConsumerHealth[];
  /** Depth of each dead-letter queue at the last periodic check (none while `warnDepth` is null). */
  readonly deadLetters: readonly DeadLetterDepth[];
  /** Dead-letter queues at or above `worker.deadLetters.warnDepth`, in words. */
  readonly warnings: readonly string[];
}
