import { toError } from '../errors/error-text.js';

/** A connection as the reattacher sees it: something that closes once. */
export interface ClosableConnection {
  once(event: 'close', listener: () => void): unknown;
}

/** Where connections come from: `listener` runs for the current one and for each reconnect. */
export interface ConnectionSource<C extends ClosableConnection> {
  onConnect(listener: (connection: C) => void): () => void;
}

/** First wait before attaching again on a live connection; doubles on each failure up to the max. */
export const REATTACH_DELAY_MS = 250;
export const MAX_REATTACH_DELAY_MS = 5_000;

/**
 * Keeps one consumer attached across the three ways it gets detached: a reconnect (attach on the new
 * connection), a failed attach, and a channel closed on a live connection (a channel error, a deleted
 * queue), where it attaches again after a doubling backoff. amqp-connection-manager reopens channels only
 * on reconnect, so the queue consumers and the revocation stream reader each need this loop; it lives here
 * once so both get the same guards: never two attaches at once for an old connection, never a retry on a
 * connection that has closed (the next connect attaches instead), nothing after `stop()`.
 */
export class Reattacher<C extends ClosableConnection> {
  private stopConnectListener: (() => void) | undefined;
  /** The connection attaches go to; a retry for an older one is dropped. */
  private current: C | undefined;
  private readonly closed = new WeakSet<C>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  /**
   * `attach` opens a channel on the connection and consumes; it rejects if it could not. `onRetry` hears
   * of each retry scheduled: why, and how long it waits.
   */
  constructor(
    private readonly source: ConnectionSource<C>,
    private readonly attach: (connection: C) => Promise<void>,
    private readonly onRetry: (reason: unknown, delayMs: number) => void = () => undefined,
  ) {}

  /**
   * Attaches now (if connected) and after every reconnect. Resolves after the first attach; if that
   * fails, stops and rejects with its error (the queue cannot be declared, say): nothing is retried.
   * @param firstConnect - when there is no connection, how long to wait for one before stopping and
   *   rejecting with `error()`; without it the wait has no bound
   */
  start(firstConnect?: { readonly ms: number; readonly error: () => Error }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let bound: NodeJS.Timeout | undefined;
      let first: ((err?: unknown) => void) | undefined = (err) => {
        clearTimeout(bound);
        if (err === undefined) {
          resolve();
        } else {
          this.stop();
          reject(toError(err));
        }
      };
      if (firstConnect) {
        bound = setTimeout(() => {
          const report = first;
          first = undefined;
          report?.(firstConnect.error());
        }, firstConnect.ms);
      }
      this.stopConnectListener = this.source.onConnect((connection) => {
        clearTimeout(bound);
        this.current = connection;
        this.failures = 0;
        connection.once('close', () => {
          this.closed.add(connection);
        });
        const report = first;
        first = undefined;
        this.attach(connection).then(
          () => report?.(),
          (err: unknown) => {
            if (report) report(err);
            else this.retryLater(connection, err);
          },
        );
      });
    });
  }

  /** The consumer is attached: the next failure waits the shortest time again. */
  attached(): void {
    this.failures = 0;
  }

  /**
   * The consumer on `connection` is gone or could not attach (`reason`): attach again after a backoff.
   * Nothing is scheduled when stopped, when a retry already waits, or when `connection` has closed or
   * been replaced: the connect listener attaches on the next one.
   */
  retryLater(connection: C, reason: unknown): void {
    if (this.timer || !this.isLive(connection)) return;
    const delay = Math.min(REATTACH_DELAY_MS * 2 ** this.failures, MAX_REATTACH_DELAY_MS);
    this.failures++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.isLive(connection)) return;
      this.attach(connection).catch((err: unknown) => {
        this.retryLater(connection, err);
      });
    }, delay);
    // The connection keeps the process alive while it is open; a retry alone must not.
    this.timer.unref();
    this.onRetry(reason, delay);
  }

  /** No more attaches: the connect listener is removed and a waiting retry dropped. */
  stop(): void {
    this.stopped = true;
    this.stopConnectListener?.();
    this.stopConnectListener = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private isLive(connection: C): boolean {
    return !this.stopped && connection === this.current && !this.closed.has(connection);
  }
}
