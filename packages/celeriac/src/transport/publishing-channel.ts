import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import type { BrokerConnection } from './broker-connection.js';
import type { TopologySetup } from './publish-request.js';

/** What the publisher hears from its channel. */
export interface PublishingChannelEvents {
  /** A channel was set up after a (re)connect. */
  readonly connected: () => void;
  /** The channel's buffer drained: it takes writes again. */
  readonly drained: () => void;
  /** The raw channel closed; publishes written to it will get a "channel closed" confirm. */
  readonly closed: () => void;
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
          events.closed();
          this.recoverFromChannelError(channel);
        });
        channel.on('drain', () => {
          if (this.raw !== channel) return;
          this.full = false;
          events.drained();
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

  /** A write found amqplib's buffer full: hold further writes until it drains. */
  markFull(): void {
    this.full = true;
  }

  /** Runs `setup` on the current channel now, and on every later one. */
  addSetup(setup: TopologySetup): Promise<void> {
    return this.wrapper.addSetup(setup);
  }

  /** From now on, a channel error no longer makes it reconnect: the publisher is closing. */
  stopRecovering(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {
    this.stopped = true;
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
