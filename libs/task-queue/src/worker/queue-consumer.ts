import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from '../broker/broker-connection.js';
import { assertQueueTopology } from '../broker/topology.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';
import { errorMessage, toError } from '../errors/error-text.js';

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
}

/** How long to wait before reopening a channel the broker closed. */
const REOPEN_DELAY_MS = 500;

/**
 * Consumes one queue on its own channel, so a channel error requeues only that queue's deliveries.
 * Re-declares the topology and re-attaches the consumer after a reconnect, a channel error or a
 * server-side cancel (the queue was deleted): amqp-connection-manager reopens channels only on reconnect.
 */
export class QueueConsumer {
  private readonly logger: Logger;
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private stopConnectListener: (() => void) | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  /** The connection we consume on; a reopen loop for an older one ends when this changes. */
  private currentConnection: ChannelModel | undefined;
  private stopped = false;
  private consuming = false;

  constructor(
    private readonly connection: BrokerConnection,
    readonly queue: ResolvedQueue,
    private readonly prefetch: number,
    private readonly onDelivery: (delivery: Delivery) => void,
  ) {
    this.logger = new Logger(`QueueConsumer(${queue.name})`);
  }

  /** True while a consumer is attached on the broker. */
  get isConsuming(): boolean {
    return this.consuming;
  }

  /** Starts consuming now (if connected) and after every reconnect. Resolves after the first attach. */
  async start(): Promise<void> {
    let firstAttach: ((err?: unknown) => void) | undefined;
    const attached = new Promise<void>((resolve, reject) => {
      firstAttach = (err) => {
        if (err === undefined) resolve();
        else reject(toError(err));
      };
    });
    this.stopConnectListener = this.connection.onConnect((connection) => {
      this.currentConnection = connection;
      void this.open(connection).then(
        () => firstAttach?.(),
        (err: unknown) => firstAttach?.(err),
      );
    });
    await attached;
    firstAttach = undefined;
  }

  /** Stops intake (basic.cancel) but keeps the channel open, so running tasks can still ack. */
  async stopIntake(): Promise<void> {
    this.stopped = true;
    this.stopConnectListener?.();
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const { channel, consumerTag } = this;
    this.consuming = false;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
  }

  /** Closes the channel; unacked deliveries on it go back to the queue. */
  async close(): Promise<void> {
    await this.stopIntake();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private async open(connection: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const channel = await connection.createChannel();
    this.channel = channel;
    channel.on('error', (err: Error) => {
      this.logger.error(`Channel error: ${err.message}`);
    });
    channel.on('close', () => {
      if (this.channel === channel) {
        this.channel = undefined;
        this.consuming = false;
      }
      this.scheduleReopen(connection);
    });
    await assertQueueTopology(channel, this.queue, { withDeadLetterQueue: true });
    // Per-consumer prefetch: global QoS does not work on quorum queues.
    await channel.prefetch(this.prefetch);
    const { consumerTag } = await channel.consume(
      this.queue.name,
      (message) => {
        if (message) this.deliver(channel, message);
        else this.onCancelled(channel);
      },
      { noAck: false },
    );
    this.consumerTag = consumerTag;
    this.consuming = true;
    this.logger.log(`Consuming "${this.queue.name}" with prefetch ${this.prefetch}`);
  }

  private deliver(channel: Channel, message: ConsumeMessage): void {
    const settle = (fn: () => void): void => {
      try {
        fn();
      } catch {
        // The channel closed under us: the broker requeued the message already.
      }
    };
    this.onDelivery({
      message,
      queue: this.queue,
      ack: () => {
        settle(() => {
          channel.ack(message);
        });
      },
      requeue: () => {
        settle(() => {
          channel.nack(message, false, true);
        });
      },
    });
  }

  /** The broker cancelled our consumer (queue deleted, or a quorum leader moved). */
  private onCancelled(channel: Channel): void {
    this.consuming = false;
    if (this.stopped) return;
    this.logger.error(
      `The broker cancelled the consumer of "${this.queue.name}"; declaring it again and re-attaching`,
    );
    // Closing the channel makes `close` reopen it, which re-declares the queue and consumes again.
    void channel.close().catch(() => undefined);
  }

  private scheduleReopen(connection: ChannelModel): void {
    if (this.stopped || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      // If the whole connection died, the connect listener opens us on the next connection instead.
      if (this.stopped || this.channel || connection !== this.currentConnection) return;
      void this.open(connection).catch((err: unknown) => {
        this.logger.debug(`Cannot reopen the channel yet: ${errorMessage(err)}`);
        this.scheduleReopen(connection);
      });
    }, REOPEN_DELAY_MS);
    this.reopenTimer.unref();
  }
}
