import { TaskQueueError } from './task-queue.error.js';

/**
 * The worker's `/metrics` server could not listen: most often its port is taken by another process (or
 * by another worker on the same host). The message names the port and what to change.
 */
export class MetricsServerError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_METRICS_SERVER';
}
