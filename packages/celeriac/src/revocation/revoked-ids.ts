/** One remembered revocation. */
interface RevokedEntry {
  /** When it is forgotten, in ms since the epoch. */
  readonly expiresAt: number;
  /** True when a revocation of this id asked to terminate a running task. */
  readonly terminate: boolean;
}

/**
 * The ids a worker refuses to run: Celery's `revoked` LimitedSet. Each id is kept `retentionMs` after it
 * was revoked, and at most `maxIds` are kept at all; past that the oldest are forgotten first, so memory is
 * bounded whatever arrives. Pure: the clock is injected.
 */
export class RevokedIds {
  /** Insertion order is revocation order (an id revoked again moves to the end), so the oldest come first. */
  private readonly entries = new Map<string, RevokedEntry>();

  constructor(
    private readonly retentionMs: number,
    private readonly maxIds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Ids remembered now, expired ones that were not purged yet included. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Remembers `ids` as revoked at `at` (ms since the epoch; a time ahead of this clock counts as now, so a
   * sender's fast clock cannot make an id outlive the retention). Already expired revocations are ignored.
   *
   * @returns the ids added, in order (an id already there counts: it is renewed)
   */
  add(ids: readonly string[], at: number, terminate: boolean): string[] {
    const now = this.now();
    const expiresAt = Math.min(at, now) + this.retentionMs;
    if (expiresAt <= now) return [];
    const added: string[] = [];
    for (const id of ids) {
      const previous = this.entries.get(id);
      this.entries.delete(id);
      this.entries.set(id, {
        expiresAt: Math.max(expiresAt, previous?.expiresAt ?? 0),
        terminate: terminate || (previous?.terminate ?? false),
      });
      added.push(id);
    }
    this.purge(now);
    return added;
  }

  /** True when `id` was revoked within the retention and not pushed out by newer revocations. */
  /** The ids remembered now, oldest first (`inspect revoked`). */
  list(): string[] {
    this.purge();
    return [...this.entries.keys()];
  }

  has(id: string): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** True when `id` is revoked (see `has`) by a revocation that asked to terminate it. */
  terminated(id: string): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.terminate && entry.expiresAt > this.now();
  }

  /** Drops expired ids, then the oldest beyond `maxIds`. */
  purge(now = this.now()): void {
    for (const [id, entry] of this.entries) {
      // Oldest first: the first unexpired entry usually means the rest are too. One revoked with an earlier
      // `at` after a later one (clock skew between senders) is still refused by `has` once it expires.
      if (entry.expiresAt > now && this.entries.size <= this.maxIds) break;
      this.entries.delete(id);
    }
  }
}
