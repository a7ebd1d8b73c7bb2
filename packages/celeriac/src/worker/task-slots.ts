import { RateLimiter } from '../task/rate-limit.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

/**
 * Where a task waits before it runs: the rate limiter of its name (if it has a rate limit), then a slot of
 * its queue's lane, or of the worker's shared pool for a queue without a lane of its own. Closing them all
 * rejects every waiter, so their deliveries go back to the queue.
 */
export class TaskSlots {
  /** Shared by every queue without a lane of its own. */
  private readonly shared: ConcurrencyLimiter;
  /** Queues with their own concurrency: `hipri` can run 50 while `reports` runs 2. */
  private readonly lanes = new Map<string, ConcurrencyLimiter>();
  /** One per task name that has a rate limit (null: looked up, none), created on first use. */
  private readonly rateLimiters = new Map<string, RateLimiter | null>();

  /**
   * @param concurrency slots shared by the queues without a lane
   * @param queueConcurrency queues with a lane of their own (`worker.queueLimits`): name → their concurrency
   * @param ratePerSecondOf a task's rate limit (tasks per second), or null for none
   */
  constructor(
    concurrency: number,
    queueConcurrency: Readonly<Record<string, number>>,
    private readonly ratePerSecondOf: (task: string) => number | null,
  ) {
    this.shared = new ConcurrencyLimiter(concurrency);
    for (const [queue, lane] of Object.entries(queueConcurrency)) {
      this.lanes.set(queue, new ConcurrencyLimiter(lane));
    }
  }

  /** The slots a task from this queue takes. */
  laneOf(queue: string): ConcurrencyLimiter {
    return this.lanes.get(queue) ?? this.shared;
  }

  /** The rate limiter of the task's name, or null when it has no rate limit. */
  rateLimiterOf(task: string): RateLimiter | null {
    let limiter = this.rateLimiters.get(task);
    if (limiter === undefined) {
      const perSecond = this.ratePerSecondOf(task);
      limiter = perSecond === null ? null : new RateLimiter(perSecond);
      this.rateLimiters.set(task, limiter);
    }
    return limiter;
  }

  /** The shared pool's slots, for `pool_grow` and `pool_shrink`. */
  get sharedPool(): ConcurrencyLimiter {
    return this.shared;
  }

  /** Forgets the task's rate limiter, so the next task of that name gets one at its new rate. */
  rateLimitChanged(task: string): void {
    this.rateLimiters.delete(task);
  }

  /** Rejects every waiter now and later; running tasks keep their slots until they release. */
  close(): void {
    this.shared.close();
    for (const lane of this.lanes.values()) lane.close();
    for (const limiter of this.rateLimiters.values()) limiter?.close();
  }
}
