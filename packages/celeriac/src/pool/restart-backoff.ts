/** How the supervisor spaces the restarts of a child slot that keeps dying. */
export interface RestartBackoffOptions {
  /** Wait before the second restart in a row; doubles with each further one. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** A child that consumed this long before it died was healthy: the next restart is immediate again. */
  readonly stableAfterMs: number;
}

export const RESTART_BACKOFF: RestartBackoffOptions = {
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 10_000,
};

/**
 * The restart delay of one child slot: the first unexpected exit is replaced at once (a task that crashed
 * its process should not cost capacity), then 1 s, 2 s, 4 s... up to 30 s while replacements keep dying
 * before they were up for `stableAfterMs`, so a child that crashes at boot (bad code, broker down) does
 * not spin. Pure: the caller passes how long the child had been consuming.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(private readonly options: RestartBackoffOptions = RESTART_BACKOFF) {}

  /**
   * Counts an unexpected exit and returns how long to wait before the replacement.
   *
   * @param consumingForMs - how long the child had been consuming when it died; null if it never started
   */
  next(consumingForMs: number | null): number {
    if (consumingForMs !== null && consumingForMs >= this.options.stableAfterMs) this.failures = 0;
    this.failures++;
    if (this.failures === 1) return 0;
    return Math.min(this.options.firstDelayMs * 2 ** (this.failures - 2), this.options.maxDelayMs);
  }
}
