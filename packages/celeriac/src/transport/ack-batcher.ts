import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * Acks the deliveries of one channel in runs. Delivery tags grow in delivery order, so when the oldest
 * unsettled deliveries have all finished, one `basic.ack` with `multiple` settles them together; a
 * delivery finished behind one still running is acked on its own, so it never holds a prefetch slot.
 * Flushed on the next tick, once the microtasks of this turn have run: every task that finished in this
 * turn (a no-op task finishes in the turn its delivery arrived) joins one batch, and the acks still
 * reach amqplib before its mux writes in this turn's check phase. A `setImmediate` flush came one turn
 * later, and the broker refilled our prefetch window one turn later too. An ack that a channel close
 * beats is redelivered by the broker (at-least-once, like every lost ack).
 */
/** Holds the socket's writes from the first flush of a turn until amqplib's mux has written them. */
export interface AckWrites {
  hold(): void;
  flushSoon(): void;
}

export class AckBatcher {
  /** Unsettled deliveries in tag order (a Map keeps insertion order); true once finished. */
  private readonly unsettled = new Map<number, { message: ConsumeMessage; done: boolean }>();
  private scheduled = false;
  private channelClosed = false;

  /** True once the channel closed: its deliveries are back in the queue, and settling them is moot. */
  get closed(): boolean {
    return this.channelClosed;
  }

  markClosed(): void {
    this.channelClosed = true;
    this.unsettled.clear();
  }

  /**
   * @param writes - brackets each flush, so that the ack frames of several flushes before amqplib's mux
   *   writes (one per socket read of deliveries) leave in one socket write (see WriteCoalescer)
   */
  constructor(
    private readonly channel: Pick<Channel, 'ack' | 'nack'>,
    private readonly writes?: AckWrites,
  ) {}

  track(message: ConsumeMessage): void {
    this.unsettled.set(message.fields.deliveryTag, { message, done: false });
  }

  ack(message: ConsumeMessage): void {
    const entry = this.unsettled.get(message.fields.deliveryTag);
    if (!entry) return;
    entry.done = true;
    this.schedule();
  }

  /** Returns one delivery to the queue at once (a nack cannot join a batch of acks). */
  requeue(message: ConsumeMessage): void {
    const entry = this.unsettled.get(message.fields.deliveryTag);
    if (!entry || entry.done) return; // settled once: an ack already decided it
    this.unsettled.delete(message.fields.deliveryTag);
    settle(() => {
      this.channel.nack(message, false, true);
    });
    this.schedule();
  }

  /** Sends what is due now: the finished run at the head as one ack, the other finished ones singly. */
  flush(): void {
    this.scheduled = false;
    this.writes?.hold();
    let head: ConsumeMessage | undefined;
    let headCount = 0;
    let blocked = false;
    for (const [tag, entry] of this.unsettled) {
      if (!entry.done) {
        blocked = true;
        continue;
      }
      this.unsettled.delete(tag);
      if (!blocked) {
        head = entry.message;
        headCount++;
      } else {
        const { message } = entry;
        settle(() => {
          this.channel.ack(message);
        });
      }
    }
    if (head) {
      const last = head;
      settle(() => {
        this.channel.ack(last, headCount > 1);
      });
    }
    this.writes?.flushSoon();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.flush();
    });
  }
}

/** The channel closed under us: the broker has requeued the message already. */
function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // dropped on purpose
  }
}
