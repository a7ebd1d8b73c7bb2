import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import type { BrokerConnection } from './broker-connection.js';
import type { TopologySetup } from './publish-request.js';
import { WriteCoalescer } from './write-coalescer.js';

/** Shortest time between two channel replacements after nacks. */
export const RENEW_INTERVAL_MS = 2_000;

/** What the publisher hears from its channel. */
export interface PublishingChannelEvents {
  /** A channel was set up after a (re)connect. */
  readonly connected: () => void;
  /**
   * The channel's buffer drained (it takes writes again), or the raw channel closed (publishes written
   * to it will get a "channel closed" confirm).
   */
  readonly changed: () => void;
  /** The broker returned a message as unroutable. */
  readonly returned: (msg: Message) => void;
}

/**
 * The one long-lived confirm channel a publisher writes to, and its state: open, full (amqplib's buffer
 * past its high-water mark), the broker's last channel error. amqp-connection-manager re-creates it after
 * a reconnect; a channel-level error with the connection still up is recovered by reconnecting.
 */
export class PublishingChannel {
  private readonly logger = new Logger(PublishingChannel.name);
  private readonly wrapper: ChannelWrapper;
  private raw: ConfirmChannel | undefined;
  /** True between the wrapper's `connect` (setup done) and the raw channel's close. */
  private open = false;
  /** True after a write filled the channel's buffer, until amqplib says it drained. */
  private full = false;
  /** Why the broker last closed the channel (a channel error), read by the publishes it failed. */
  private channelError: Error | undefined;
  private stopped = false;
  /** When `renew` last replaced the channel: it does so at most every `RENEW_INTERVAL_MS`. */
  private renewedAt = 0;
  private readonly coalescer = new WriteCoalescer();

  /** @param setup run on every new raw channel, after the event wiring */
  constructor(
    private readonly connection: BrokerConnection,
    events: PublishingChannelEvents,
    setup: TopologySetup,
  ) {
    this.wrapper = connection.createChannel({
      name: 'celeriac-publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.raw = channel;
        this.full = false;
        this.channelError = undefined;
        // Without an 'error' listener amqplib turns a channel error into a connection error, which would
        // also fail every publish on the connection; with it, only this channel closes, and we replace it.
        channel.on('error', (err: Error) => {
          this.channelError = err;
          this.logger.error(`The broker closed the publishing channel: ${err.message}`);
        });
        channel.once('close', () => {
          if (this.raw === channel) this.open = false;
          this.coalescer.flush();
          events.changed();
          this.recoverFromChannelError(channel);
        });
        channel.on('drain', () => {
          if (this.raw !== channel) return;
          this.full = false;
          events.changed();
        });
        // basic.return always arrives before the basic.ack of the same message, so the confirm callback
        // can tell a returned message from a delivered one.
        channel.on('return', events.returned);
        await setup(channel);
      },
    });
    this.wrapper.on('connect', () => {
      this.open = true;
      events.connected();
    });
    this.wrapper.on('error', (err: unknown) => {
      this.logger.error(`Publisher channel setup failed: ${errorMessage(err)}`);
    });
  }

  /** The raw channel to write to, when a publish could be written now; else undefined. */
  get writableChannel(): ConfirmChannel | undefined {
    return this.open && !this.full && this.connection.blocked === null ? this.raw : undefined;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Why the broker last closed the channel, if it did since the channel was set up. */
  get lastError(): Error | undefined {
    return this.channelError;
  }

  /**
   * Writes one message to `channel` (the current `writableChannel`), with `onConfirm` for its confirm.
   * Writes made in the same turn of the event loop leave in one socket write. False when amqplib threw:
   * the channel closed under us before the wrapper noticed, so the message was not written.
   */
  write(
    channel: ConfirmChannel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: Options.Publish,
    onConfirm: (err: unknown) => void,
  ): boolean {
    this.coalescer.hold(this.connection.current);
    let hasRoom: boolean;
    try {
      hasRoom = channel.publish(exchange, routingKey, content, properties, onConfirm);
    } catch (err: unknown) {
      this.logger.debug(`Could not write a message to "${exchange}": ${errorMessage(err)}`);
      this.coalescer.flushSoon();
      return false;
    }
    this.coalescer.flushSoon();
    // amqplib buffers without bound; past its high-water mark the publisher holds further publishes in
    // its own (bounded) queue until the channel drains.
    if (!hasRoom) this.full = true;
    return true;
  }

  /**
   * Replaces `channel` (if it is still the current one) after the broker nacked a publish on it: RabbitMQ
   * 3.10 can leave a channel nacking every publish to a quorum queue after the queue's leader node died,
   * for the channel's whole life. Writes stop going to it at once; its close makes the publishes still
   * waiting for a confirm on it be written again on the next channel. At most every
   * `RENEW_INTERVAL_MS`, so a queue that refuses publishes on purpose (`x-overflow: reject-publish`)
   * does not make the publisher reconnect on every nack. True when `channel` is (being) replaced.
   */
  renew(channel: ConfirmChannel): boolean {
    if (this.stopped || this.raw !== channel || !this.open) return this.raw !== channel;
    const now = Date.now();
    if (now - this.renewedAt < RENEW_INTERVAL_MS) return false;
    this.renewedAt = now;
    this.logger.warn('RabbitMQ nacked a publish: replacing the publishing channel');
    this.open = false;
    this.coalescer.flush();
    void channel.close().catch(() => undefined);
    return true;
  }

  /** From now on, a channel error no longer makes it reconnect: the publisher is closing. */
  stopRecovering(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.coalescer.flush();
    await this.wrapper.close();
  }

  /**
   * amqp-connection-manager re-creates a channel only after a reconnect, so a channel-level error (a
   * queue redeclared with other arguments, a message over the broker's size limit) would leave publishing
   * stuck until every publish timed out (#190). If the connection is still up, reconnect to get a new
   * channel.
   */
  private recoverFromChannelError(channel: ConfirmChannel): void {
    const timer = setTimeout(() => {
      if (this.stopped || this.raw !== channel || !this.connection.isConnected) return;
      this.logger.warn('Reconnecting the publishing connection to get a new channel');
      this.connection.reconnect();
    }, 50);
    timer.unref();
  }
}
