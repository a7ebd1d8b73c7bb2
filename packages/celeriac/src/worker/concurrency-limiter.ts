/** Thrown into waiters when the limiter is closed (worker shutdown). */
export class LimiterClosedError extends Error {
  constructor() {
    super('The worker is shutting down');
    this.name = 'LimiterClosedError';
  }
}

/** A FIFO counting semaphore: at most `limit` tasks run at once; the rest wait in arrival order. */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private closed = false;

  constructor(private limit: number) {}

  /** Slots now (`pool_grow`, `pool_shrink`). */
  get size(): number {
    return this.limit;
  }

  /**
   * Changes the number of slots (at least one). Growing lets waiters start at once; shrinking lets running
   * tasks finish and starts no new one until fewer than `limit` run.
   */
  resize(limit: number): void {
    this.limit = Math.max(1, limit);
    while (this.running < this.limit && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()?.resolve();
    }
  }

  get active(): number {
    return this.running;
  }

  /** True when a task asking now would have to wait for a slot. */
  get full(): boolean {
    return this.running >= this.limit;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when a slot is free; rejects with `LimiterClosedError` once closed. */
  acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new LimiterClosedError());
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
  }

  release(): void {
    // After a shrink the slot is given up rather than passed on.
    const next = this.running <= this.limit ? this.waiting.shift() : undefined;
    if (next)
      next.resolve(); // the slot passes straight to the next waiter
    else this.running--;
  }

  /** Rejects every waiter; running tasks keep their slots until they release. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new LimiterClosedError());
  }
}
