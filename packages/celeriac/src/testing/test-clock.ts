/**
 * The clock `TaskQueueTester.advance()` moves. The library reads time as `Date.now()` (send options,
 * etas, retry backoff, expiry), so this shifts `Date.now()` by the time advanced, from the first
 * `advance()` until the testing module closes. Under Vitest's or Jest's fake timers, move their clock
 * instead (`vi.advanceTimersByTime`): both clocks work, but use one per test.
 */
export class TestClock {
  private offset = 0;
  private original: (() => number) | null = null;

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance(ms): ms must be a finite number >= 0, got ${ms}`);
    }
    if (this.original === null) {
      const original = Date.now;
      this.original = original;
      Date.now = () => original.call(Date) + this.offset;
    }
    this.offset += ms;
  }

  /** Gives `Date.now()` back its own clock. */
  restore(): void {
    if (this.original !== null) Date.now = this.original;
    this.original = null;
    this.offset = 0;
  }
}
