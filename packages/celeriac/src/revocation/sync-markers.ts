/**
 * The markers a revocation listener appended to the stream and waits to read back: reading its own marker
 * proves it has read every record published before it (a stream has no "you are at the end" signal over
 * AMQP). A marker still unread when the channel is lost is superseded: its successor's marker counts.
 */
export class SyncMarkers {
  /** resolve(true) when read back, resolve(false) when superseded. */
  private readonly waiting = new Map<string, (read: boolean) => void>();

  /** Markers appended and not yet read back nor superseded. */
  get size(): number {
    return this.waiting.size;
  }

  /** Resolves true once `marker` is read back, false if it is superseded first. */
  expect(marker: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.waiting.set(marker, resolve);
    });
  }

  /** A marker read from the stream; one another process appended is ignored. */
  read(marker: string): void {
    const resolve = this.waiting.get(marker);
    this.waiting.delete(marker);
    resolve?.(true);
  }

  /** Stops waiting for a marker that could not be published. */
  forget(marker: string): void {
    this.waiting.delete(marker);
  }

  /** Every marker still waited for answers false. */
  supersedeAll(): void {
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }
}
