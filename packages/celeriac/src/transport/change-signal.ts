/**
 * Lets waiters sleep until something they watch may have changed, or a time limit: every wait has a
 * bound, and `wake()` releases them all. Waiters re-check their condition themselves.
 */
export class ChangeSignal {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next `wake()`, or after `ms`, whichever comes first. Never rejects. */
  next(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
