import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from '../transport/broker-connection.js';
import { errorMessage } from '../errors/error-text.js';
import { Reattacher } from '../transport/reattacher.js';
import {
  assertRevocationStream,
  STREAM_ARGUMENTS,
  streamOffset,
  type RevocationStreamSpec,
} from './revocation-stream.js';

/** What a {@link StreamReader} tells its owner. */
export interface StreamReaderEvents {
  /** Each message body, in stream order, with its offset (null if the broker gave none). */
  onMessage(content: Buffer, offset: number | null): void;
  /**
   * A channel consumes the stream (after the first connect, each reconnect and each re-attach). If the
   * returned promise rejects, this is called again for the same channel after a backoff.
   */
  onAttached(channel: Channel): Promise<void>;
  /** The channel is gone: the connection dropped, a channel error, or the stream was deleted. */
  onDetached(): void;
}

/** Unacked stream messages the broker may push; streams require a prefetch, acks only return credit. */
const STREAM_PREFETCH = 500;

/**
 * Follows a RabbitMQ stream over AMQP 0-9-1 on a channel of its own: declares it, consumes from
 * `since()` (a timestamp) the first time and just after the last offset read on every re-attach, and
 * re-attaches after a reconnect, a channel error or a server-side cancel (the stream was deleted; it is
 * then read again from `since()`, since a new stream restarts its offsets).
 */
export class StreamReader {
  private readonly logger: Logger;
  private channel: Channel | undefined;
  private opening = false;
  private closed = false;
  private readonly reattacher: Reattacher<ChannelModel>;
  /** Offset of the last message read, so a re-attach resumes just after it; null before the first. */
  private lastOffset: number | null = null;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly spec: RevocationStreamSpec,
    private readonly since: () => number,
    private readonly events: StreamReaderEvents,
  ) {
    this.logger = new Logger(`StreamReader(${spec.name})`);
    this.reattacher = new Reattacher(
      connection,
      (conn) => {
        // Attached, but its owner's onAttached failed (a sync marker not published): retry that alone.
        const channel = this.channel;
        return channel ? this.events.onAttached(channel) : this.open(conn);
      },
      (reason, delayMs) => {
        this.logger.warn(
          `Not following the stream (${errorMessage(reason)}); trying again in ${delayMs} ms`,
        );
      },
    );
  }

  /** True while `channel` is the one consuming. */
  isCurrent(channel: Channel): boolean {
    return !this.closed && this.channel === channel;
  }

  /**
   * Attaches now and after every reconnect. Resolves once the first attach and its `onAttached` succeeded;
   * rejects with the first error (the stream cannot be declared, say) and then keeps nothing open.
   * @param timeoutMs how long the whole start may take; the first connect gets at most the connection's
   *   `connectTimeoutMs` of it, so a wrong url fails with `BrokerUnreachableError` early, naming the cause
   * @throws BrokerUnreachableError when there is no connection within `connectTimeoutMs`
   */
  async start(timeoutMs: number): Promise<void> {
    await this.connection.waitForConnect(Math.min(timeoutMs, this.connection.connectTimeoutMs));
    try {
      await this.reattacher.start();
    } catch (err: unknown) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reattacher.stop();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  /** Opens a channel on `connection`, declares the stream, consumes, and reports the attach. */
  private async open(connection: ChannelModel): Promise<void> {
    if (this.isClosed() || this.channel || this.opening) return;
    this.opening = true;
    let channel: Channel;
    try {
      channel = await connection.createChannel();
      if (this.isClosed()) {
        await channel.close().catch(() => undefined);
        return;
      }
      this.channel = channel;
      channel.on('error', (err: Error) => {
        this.logger.error(`Channel error: ${err.message}`);
      });
      channel.on('close', () => {
        this.onChannelLost(connection, channel);
      });
      await assertRevocationStream(channel, this.spec);
      await channel.prefetch(STREAM_PREFETCH);
      await channel.consume(
        this.spec.name,
        (message) => {
          if (message) this.receive(channel, message);
          else this.onCancelled(channel);
        },
        {
          noAck: false,
          arguments: { [STREAM_ARGUMENTS.offset]: streamOffset(this.lastOffset, this.since()) },
        },
      );
    } finally {
      this.opening = false;
    }
    await this.events.onAttached(channel);
  }

  private receive(channel: Channel, message: ConsumeMessage): void {
    const offset = message.properties.headers?.[STREAM_ARGUMENTS.offset] as unknown;
    const known = typeof offset === 'number' ? offset : null;
    if (known !== null) this.lastOffset = known;
    try {
      channel.ack(message);
    } catch {
      // The channel closed under us; the next attach resumes after the last offset read.
    }
    this.events.onMessage(message.content, known);
  }

  /** The broker cancelled the consumer: the stream was deleted. Declare it again, read from `since()`. */
  private onCancelled(channel: Channel): void {
    if (!this.isCurrent(channel)) return;
    this.logger.error(
      `The broker cancelled the consumer (was "${this.spec.name}" deleted?); declaring it again`,
    );
    this.lastOffset = null;
    void channel.close().catch(() => undefined);
  }

  private onChannelLost(connection: ChannelModel, channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    if (this.isClosed()) return;
    this.events.onDetached();
    // A channel closed on a live connection (a channel error, the stream deleted) is reopened after a
    // backoff; after a reconnect the reattacher opens a new channel anyway.
    this.reattacher.retryLater(connection, new Error('the channel closed'));
  }

  /** A method, so the compiler does not narrow `closed` across awaits. */
  private isClosed(): boolean {
    return this.closed;
  }
}
