/**
 * Whether a revocation listener has read everything published before its last (re-)attach. Admission
 * checks that arrive while it re-reads the stream after a reconnect wait here, up to `waitMs`, rather than
 * answer from a view that may miss a revocation published while it was disconnected.
 */
export class ResyncBarrier {
  private caughtUp = deferred();
  /** True once a wait gave up during this re-sync: the listener warns once per re-sync, not per task. */
  private gaveUpBefore = false;

  constructor(private readonly waitMs: number) {}

  /** Settles when the listener catches up (or closes). */
  get reached(): Promise<void> {
    return this.caughtUp.promise;
  }

  /** The listener has caught up (or closed): every wait ends. */
  open(): void {
    this.caughtUp.resolve();
  }

  /** The listener lost its channel: waits from now on last until the next `open()`. */
  close(): void {
    this.caughtUp = deferred();
    this.gaveUpBefore = false;
  }

  /**
   * Waits until `open()`, or `waitMs` at most. Resolves true when it gave up for the first time since the
   * last `close()` (the caller then warns), false otherwise.
   */
  async wait(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      this.caughtUp.promise.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(true);
        }, this.waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (!gaveUp || this.gaveUpBefore) return false;
    this.gaveUpBefore = true;
    return true;
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
