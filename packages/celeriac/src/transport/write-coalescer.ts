import type { ChannelModel } from 'amqplib';

/** The part of a socket the coalescer uses. */
export interface Corkable {
  cork(): void;
  uncork(): void;
  on(event: 'drain', listener: () => void): unknown;
  prependListener(event: 'drain', listener: () => void): unknown;
}

/**
 * Turns the socket writes of a burst of publishes into one `writev`.
 *
 * amqplib writes every frame set to the socket on its own (its mux, in a `setImmediate`), so 1,000 sends
 * started together cost 1,000 `write` syscalls on the client and as many small reads on the broker: in a
 * profile of a publishing burst that is about 7 µs of the ~25 µs a Celery message costs the client. Corking
 * the socket before the first publish of a burst and uncorking it just after amqplib's mux has written
 * them hands the kernel one buffer instead.
 *
 * The same holds when the socket's buffer was full: amqplib's mux then writes what waits from its
 * `'drain'` listener, one message at a time, until the buffer is full again. A listener put before the
 * mux's corks, one put after it uncorks, so each of those rounds is one `writev` too.
 *
 * Ordering: the mux schedules its write with `setImmediate` from the `'readable'` event of the channel's
 * buffer, which Node emits on `process.nextTick` during `publish`. `flushSoon()`, called after
 * `publish`, schedules its `setImmediate` from a later tick, so it runs after the mux's. Should a future
 * amqplib order this differently, the flush merely comes first and the writes go out one by one, as
 * without the coalescer: cork and uncork stay paired, so nothing is ever held back for longer than one
 * turn of the event loop.
 */
export class WriteCoalescer {
  private corked: Corkable | undefined;
  private flushScheduled = false;
  private readonly watched = new WeakSet<Corkable>();

  /** Corks the socket of `connection` until the next `flushSoon()` runs. Safe to call per publish. */
  hold(connection: ChannelModel | undefined): void {
    if (this.corked !== undefined) return;
    const socket = socketOf(connection);
    if (socket === undefined) return;
    this.watchDrain(socket);
    socket.cork();
    this.corked = socket;
  }

  /** Uncorks after amqplib has written what was published in this turn of the event loop. */
  flushSoon(): void {
    if (this.flushScheduled || this.corked === undefined) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      setImmediate(() => {
        this.flush();
      });
    });
  }

  /** Brackets the mux's `'drain'` listener, which amqplib added when it opened the socket. */
  private watchDrain(socket: Corkable): void {
    if (this.watched.has(socket)) return;
    this.watched.add(socket);
    socket.prependListener('drain', () => {
      socket.cork();
    });
    socket.on('drain', () => {
      socket.uncork();
    });
  }

  /** Uncorks now (on close, or when the connection goes away). */
  flush(): void {
    this.flushScheduled = false;
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  }
}

/**
 * amqplib's socket: `ChannelModel.connection.stream` (a `net.Socket`, or a `tls.TLSSocket`). Undocumented:
 * test/integration/amqplib-assumptions.int-spec.ts holds it against the installed amqplib.
 */
export function socketOf(connection: ChannelModel | undefined): Corkable | undefined {
  const stream = (connection as { connection?: { stream?: Partial<Corkable> } } | undefined)
    ?.connection?.stream;
  if (
    typeof stream?.cork !== 'function' ||
    typeof stream.uncork !== 'function' ||
    typeof stream.on !== 'function' ||
    typeof stream.prependListener !== 'function'
  ) {
    return undefined;
  }
  return stream as Corkable;
}
