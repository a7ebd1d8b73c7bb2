import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from './broker-connection.js';
import { assertQueueTopology, queueDepth } from './topology.js';
import { deadLetterQueueName, type DeadLetterRetention } from '../options/queue-declarations.js';
import { AckBatcher } from './ack-batcher.js';
import { WriteCoalescer } from './write-coalescer.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';
import { errorMessage } from '../errors/error-text.js';
import { QueueDeclarationError } from '../errors/queue-declaration.error.js';
import { Reattacher } from './reattacher.js';

/**
 * One delivery with its own settle functions. They act on the raw channel the delivery came from: tags
 * restart at 1 on every channel, so an ack sent on a newer channel could ack the wrong message
 * (reliability.md §0.3). If that channel is gone, the broker has already requeued the message, and the
 * settle is dropped.
 */
export interface Delivery {
  readonly message: ConsumeMessage;
  readonly queue: ResolvedQueue;
  ack(): void;
  /** Return the message to the queue (a worker shutting down before it started the task). */
  requeue(): void;
  /**
   * True once the channel it came from has closed: the broker has requeued it and will deliver it
   * again, so acting on this copy (starting it, forwarding it) would only make a duplicate.
   */
  readonly stale: boolean;
}

/** A delivery settled through the ack batcher of the channel it came from: never another channel's. */
class ChannelDelivery implements Delivery {
  constructor(
    readonly message: ConsumeMessage,
    readonly queue: ResolvedQueue,
    private readonly acks: AckBatcher,
  ) {}

  ack(): void {
    this.acks.ack(this.message);
  }

  requeue(): void {
    this.acks.requeue(this.message);
  }

  get stale(): boolean {
    return this.acks.closed;
  }
}

/** Where a queue's consumer stands. Only `consuming` means the broker delivers to us. */
export type QueueConsumerState = 'idle' | 'attaching' | 'consuming' | 'detached' | 'stopped';

/** One queue's consumer, for health checks. */
export interface QueueConsumerHealth {
  readonly queue: string;
  readonly state: QueueConsumerState;
  /** True while a consumer is attached on the broker. */
  readonly consuming: boolean;
  /** When `state` last changed. */
  readonly since: Date;
  /** Consumers attached so far: 1 after the first, 2 after the first re-attach, ... */
  readonly attaches: number;
  /** Why the consumer was last detached or could not attach; null while consuming. */
  readonly lastError: string | null;
  /** Unacked deliveries the broker may push to this consumer (`basic.qos`). */
  readonly prefetch: number;
}

/**
 * Consumes one queue on its own channel, so a channel error requeues only that queue's deliveries.
 * Re-declares the topology and re-attaches the consumer after a reconnect, a channel error or a
 * server-side cancel (the queue was deleted): amqp-connection-manager reopens channels only on reconnect.
 */
export class QueueConsumer {
  private readonly logger: Logger;
  private channel: Channel | undefined;
  /** The connection `channel` belongs to: dead-letter checks run on throwaway channels of it. */
  private channelConnection: ChannelModel | undefined;
  /** One ack batcher per channel; a closed channel's goes with it. */
  private readonly batchers = new WeakMap<Channel, AckBatcher>();
  /** Coalesces the ack writes of this consumer's connection, as the publisher does its publishes. */
  private readonly ackWrites = new WriteCoalescer();
  private consumerTag: string | undefined;
  private readonly reattacher: Reattacher<ChannelModel>;
  private stopped = false;
  /** True while `open` runs, so a reconnect and a retry timer never open two channels. */
  private opening = false;
  private state: QueueConsumerState = 'idle';
  private since = new Date();
  private attaches = 0;
  private lastError: string | null = null;

  constructor(
    private readonly connection: BrokerConnection,
    readonly queue: ResolvedQueue,
    private readonly prefetch: number,
    private readonly onDelivery: (delivery: Delivery) => void,
    /** Called whenever `isConsuming` may have changed. */
    private readonly onStateChange: () => void = () => undefined,
    /**
     * Retention of `<queue>.dead` when it is declared here for the first time. With it, an existing
     * dead-letter queue is left as it is, never redeclared: its arguments may be other ones (declared
     * before retention existed, or with other limits), and RabbitMQ would refuse the declaration (406).
     */
    private readonly deadLetterRetention?: DeadLetterRetention,
  ) {
    this.logger = new Logger(`QueueConsumer(${queue.name})`);
    this.reattacher = new Reattacher(connection, (conn) =>
      this.open(conn).catch((err: unknown) => {
        this.lastError = errorMessage(err);
        this.logger.debug(`Cannot consume "${this.queue.name}" yet: ${this.lastError}`);
        throw err;
      }),
    );
  }

  /** True while a consumer is attached on the broker. */
  get isConsuming(): boolean {
    return this.state === 'consuming';
  }

  health(): QueueConsumerHealth {
    return {
      queue: this.queue.name,
      state: this.state,
      consuming: this.isConsuming,
      since: this.since,
      attaches: this.attaches,
      lastError: this.lastError,
      prefetch: this.prefetch,
    };
  }

  /**
   * Starts consuming now (if connected) and after every reconnect. Resolves after the first attach;
   * rejects if that fails (a queue declared elsewhere with other arguments, say), and then stops.
   * @throws BrokerUnreachableError when there is no connection within `connectTimeoutMs`
   */
  async start(): Promise<void> {
    const ms = this.connection.connectTimeoutMs;
    try {
      await this.reattacher.start({ ms, error: () => this.connection.unreachableError(ms) });
    } catch (err: unknown) {
      await this.close();
      throw err;
    }
  }

  /** Stops intake (basic.cancel) but keeps the channel open, so running tasks can still ack. */
  async stopIntake(): Promise<void> {
    this.stopped = true;
    this.reattacher.stop();
    const { channel, consumerTag } = this;
    this.consumerTag = undefined;
    this.setState('stopped');
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
  }

  /** Closes the channel; unacked deliveries on it go back to the queue. */
  async close(): Promise<void> {
    await this.stopIntake();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) {
      this.batchers.get(channel)?.flush(); // acks still waiting for their turn go out before the close
      await channel.close().catch(() => undefined);
    }
  }

  /** Opens a channel on `connection`, declares the topology and consumes. */
  private async open(connection: ChannelModel): Promise<void> {
    if (this.stopped || this.channel || this.opening) return;
    this.opening = true;
    try {
      this.setState('attaching');
      const channel = await connection.createChannel();
      if (this.hasStopped()) {
        await channel.close().catch(() => undefined);
        return;
      }
      this.channel = channel;
      this.channelConnection = connection;
      channel.on('error', (err: Error) => {
        this.lastError = err.message;
        this.logger.error(`Channel error: ${err.message}`);
      });
      channel.on('close', () => {
        this.batchers.get(channel)?.markClosed();
        this.onChannelClosed(connection, channel);
      });
      // Per-consumer prefetch: global QoS does not work on quorum queues.
      await channel.prefetch(this.prefetch);
      await this.consume(channel, connection);
    } finally {
      this.opening = false;
    }
  }

  /** Declares the queue (again: it may have been deleted) and attaches a consumer on `channel`. */
  private async consume(channel: Channel, connection: ChannelModel): Promise<void> {
    const retention = this.deadLetterRetention;
    const keepExisting =
      retention !== undefined &&
      (await queueDepth(connection, deadLetterQueueName(this.queue.name))) !== null;
    await assertQueueTopology(channel, this.queue, {
      withDeadLetterQueue: !keepExisting,
      ...(retention ? { deadLetterRetention: retention } : {}),
    }).catch((err: unknown) => {
      throw new QueueDeclarationError(this.queue.name, err);
    });
    if (this.stopped || this.channel !== channel) return;
    const { consumerTag } = await channel.consume(
      this.queue.name,
      (message) => {
        if (message) this.deliver(channel, message);
        else this.onCancelled(channel);
      },
      { noAck: false },
    );
    if (this.hasStopped() || this.channel !== channel) {
      // stopIntake() ran while we attached: it found no tag to cancel, so cancel here.
      await channel.cancel(consumerTag).catch(() => undefined);
      return;
    }
    this.consumerTag = consumerTag;
    this.attaches++;
    this.reattacher.attached();
    this.lastError = null;
    this.setState('consuming');
    this.logger.log(
      this.attaches === 1
        ? `Consuming "${this.queue.name}" with prefetch ${this.prefetch}`
        : `Consuming "${this.queue.name}" again (attach ${this.attaches})`,
    );
  }

  private deliver(channel: Channel, message: ConsumeMessage): void {
    // Settled through the batcher of the channel the delivery came from: never another channel's.
    let batcher = this.batchers.get(channel);
    if (!batcher) {
      batcher = new AckBatcher(channel, {
        // A channel's `connection` holds amqplib's socket as a ChannelModel's does (socketOf).
        hold: () => {
          this.ackWrites.hold(channel as unknown as ChannelModel);
        },
        flushSoon: () => {
          this.ackWrites.flushSoon();
        },
      });
      this.batchers.set(channel, batcher);
    }
    batcher.track(message);
    this.onDelivery(new ChannelDelivery(message, this.queue, batcher));
  }

  /**
   * The broker cancelled our consumer (the queue was deleted). Declare the queue again and consume on the
   * same channel: closing it would requeue (and so duplicate) the deliveries still running, and their acks
   * must go to this channel.
   */
  private onCancelled(channel: Channel): void {
    if (this.stopped || this.channel !== channel) return;
    this.consumerTag = undefined;
    this.lastError = 'the broker cancelled the consumer (was the queue deleted?)';
    this.setState('detached');
    this.logger.error(
      `The broker cancelled the consumer of "${this.queue.name}"; declaring the queue again and re-attaching`,
    );
    this.setState('attaching');
    const connection = this.channelConnection;
    if (!connection) return; // set with `channel`, so never: the close handler would re-attach anyway
    void this.consume(channel, connection).catch((err: unknown) => {
      // A failed declare closes the channel, whose close handler reopens; make sure it is closed.
      this.lastError = errorMessage(err);
      void channel.close().catch(() => undefined);
    });
  }

  private onChannelClosed(connection: ChannelModel, channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    if (this.stopped) return;
    this.lastError ??= 'the channel closed';
    this.setState('detached');
    // If the whole connection died, the reattacher opens us on the next connection instead.
    this.reattacher.retryLater(connection, this.lastError);
  }

  /** Read through a method: `stopIntake()` may set it while we await, which narrowing cannot see. */
  private hasStopped(): boolean {
    return this.stopped;
  }

  private setState(state: QueueConsumerState): void {
    if (this.state === state) return;
    const wasConsuming = this.isConsuming;
    this.state = state;
    this.since = new Date();
    if (wasConsuming !== this.isConsuming) this.onStateChange();
  }
}
