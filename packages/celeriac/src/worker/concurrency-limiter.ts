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

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.running;
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
    const next = this.waiting.shift();
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
