import { TaskQueueError } from './task-queue.error.js';

/** What a handler asked for with `ctx.retry()`, checked. */
export interface RetryRequest {
  /** Seconds from now; null when not given. */
  readonly countdown: number | null;
  /** Absolute time; null when not given. Never set together with `countdown`. */
  readonly eta: Date | null;
  /** The exception to report (RETRY result, and FAILURE once retries are exhausted); absent when not given. */
  readonly exc?: { readonly value: unknown };
  /** Overrides the task's `maxRetries` for this call; undefined when not given, null for no limit. */
  readonly maxRetries: number | null | undefined;
}

/**
 * What `ctx.retry()` throws (Celery's `celery.exceptions.Retry`): not a failure, a request to run the task
 * again later. Let it propagate out of the handler; if you catch errors broadly, rethrow this one.
 *
 * @example
 * try { ... } catch (err) { if (err instanceof TaskRetryError) throw err; ... }
 */
export class TaskRetryError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_RETRY';

  constructor(readonly request: RetryRequest) {
    super(
      request.eta
        ? `Retry at ${request.eta.toISOString()}`
        : request.countdown === null
          ? 'Retry requested'
          : `Retry in ${request.countdown}s`,
    );
  }
}
