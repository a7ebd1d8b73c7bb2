/**
 * Celery's rate limit strings: `'10/s'`, `'100/m'`, `'1000/h'`, or a plain number of tasks per second.
 * Returns tasks per second, or null for "no limit" (`0`, as in Celery). Throws a message that says what a
 * valid one looks like.
 */
export function parseRateLimit(value: string | number): number | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`must be a non-negative number of tasks per second, got ${value}`);
    return value === 0 ? null : value;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(value);
  if (!match?.[1])
    throw new RangeError(
      `must look like '10/s', '100/m' or '1000/h', got ${JSON.stringify(value)}`,
    );
  const count = Number(match[1]);
  const perSeconds = { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  return count === 0 ? null : count / perSeconds;
}

/** Thrown into waiters when the worker stops starting tasks. */
export class RateLimiterClosedError extends Error {
  constructor() {
    super('The worker is shutting down');
    this.name = 'RateLimiterClosedError';
  }
}

/**
 * Spaces task starts evenly at `perSecond` (Celery's token bucket with a capacity of one): a task that
 * comes too soon waits for its turn instead of being refused. Per task name and per worker process, as
 * in Celery. Waiters are served in arrival order.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private nextStartAt = 0;
  private readonly waiting = new Set<{ timer: NodeJS.Timeout; reject: (err: Error) => void }>();

  constructor(
    perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 1000 / perSecond;
  }

  /** Tasks waiting for their turn. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Resolves when this task may start; rejects with `RateLimiterClosedError` once closed. */
  acquire(): Promise<void> {
    const now = this.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.intervalMs;
    if (startAt <= now) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          resolve();
        }, startAt - now),
        reject,
      };
      this.waiting.add(waiter);
    });
  }

  close(): void {
    for (const waiter of this.waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new RateLimiterClosedError());
    }
    this.waiting.clear();
  }
}
