import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, Message } from 'amqplib';
import type { BrokerConnection } from '../broker/broker-connection.js';
import { PublishError } from '../errors/publish.error.js';
import { PublishBacklogFullError } from '../errors/publish-backlog-full.error.js';
import { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { OutgoingMessage } from '../message/amqp-message.js';
import { errorMessage } from '../errors/error-text.js';

/** One publish: where, what, and how to name it in errors. */
export interface PublishRequest {
  readonly exchange: string;
  readonly routingKey: string;
  readonly message: OutgoingMessage;
  /**
   * Ask the broker to return the message when no queue takes it. RabbitMQ *confirms* unroutable
   * messages, so without this a typo in a route is silent loss (reliability.md §0.1).
   */
  readonly mandatory: boolean;
  /** For error messages, e.g. `task "email.send" (id 1b2c…)`. */
  readonly what: string;
}

/** Sets up broker entities on a channel; run again after every reconnect. */
export type TopologySetup = (channel: Channel) => Promise<void>;

/** Limits of a publisher. */
export interface PublisherLimits {
  /** How long one publish may wait for a connection, an alarm to clear and its confirm, in total. */
  readonly publishTimeoutMs: number;
  /** Publishes that may wait at once; more are refused with `PublishBacklogFullError`. */
  readonly maxPendingPublishes: number;
}

/** What a publisher reports to health checks. */
export interface PublisherHealth {
  /** Publishes waiting for a connection, an alarm to clear, or their confirm. */
  readonly pending: number;
  readonly maxPending: number;
  /** True while the publishing channel is open and set up. */
  readonly channelOpen: boolean;
  /** Publishes sent again (same content, same task id) after their channel closed before the confirm. */
  readonly republished: number;
}

/** AMQP reply code of a passive declare of something that does not exist. */
const NOT_FOUND = 404;

/** RabbitMQ's text when a message is above its `max_message_size` (it then closes the channel, 406). */
const BROKER_SIZE_LIMIT = /message size (\d+) is larger than configured max size (\d+)/;

/**
 * Publishes on one long-lived confirm channel (shared by every caller of the process) and resolves
 * only when the broker has confirmed the message. "Never lies":
 * - a returned (unroutable) message rejects with `UnroutableError`;
 * - a publish whose channel or connection closed before the confirm is published again with the same
 *   content (so the same task id: at worst a duplicate, never a loss; reliability.md §2.3);
 * - while the broker is unreachable or blocks publishing (a resource alarm), a publish waits in memory,
 *   not on the socket, for at most `publishTimeoutMs`, then rejects with `PublishTimeoutError` saying
 *   which, and whether the message may still arrive;
 * - at most `maxPendingPublishes` publishes wait at once; beyond that `publish` rejects at once with
 *   `PublishBacklogFullError`, so an outage cannot grow memory without bound.
 */
export class Publisher {
  private readonly logger = new Logger(Publisher.name);
  private readonly channel: ChannelWrapper;
  /** Return keys (exchange, routing key, correlation id) of messages the broker returned, with the reason. */
  private readonly returned = new Map<string, string>();
  private readonly declarations = new Map<string, Promise<void>>();
  private readonly topology = new Map<string, TopologySetup>();
  /** Exchanges known to exist; publishing to a missing one would close the shared channel (404). */
  private readonly knownExchanges = new Set<string>(['']);
  /** Wakes publishes that wait for the channel or for an alarm to clear. */
  private readonly waiters = new Set<() => void>();
  private readonly stopListening: () => void;
  private closed = false;
  private rawChannel: ConfirmChannel | undefined;
  /** True between the wrapper's `connect` (setup done) and the raw channel's close. */
  private channelOpen = false;
  /** Why the broker last closed the publishing channel (a channel error), read by the publishes it failed. */
  private lastChannelError: Error | undefined;
  private pendingCount = 0;
  private republished = 0;
  /** Publishes interrupted by the current channel close, for one summary log line. */
  private interrupted = 0;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly limits: PublisherLimits,
  ) {
    this.channel = connection.createChannel({
      name: 'celeriac-publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.rawChannel = channel;
        this.lastChannelError = undefined;
        // Without an 'error' listener amqplib turns a channel error into a connection error, which would
        // also fail every publish on the connection; with it, only this channel closes, and we replace it.
        channel.on('error', (err: Error) => {
          this.lastChannelError = err;
          this.logger.error(`The broker closed the publishing channel: ${err.message}`);
        });
        channel.once('close', () => {
          if (this.rawChannel === channel) this.channelOpen = false;
          this.wake();
          this.recoverFromChannelError(channel);
        });
        // basic.return always arrives before the basic.ack of the same message, so the confirm callback
        // can tell a returned message from a delivered one.
        channel.on('return', (msg: Message) => {
          this.returned.set(
            returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties),
            returnReason(msg),
          );
        });
        for (const setup of this.topology.values()) await setup(channel);
      },
    });
    this.channel.on('connect', () => {
      this.channelOpen = true;
      if (this.interrupted > 0) {
        this.logger.warn(
          `Publishing ${this.interrupted} message(s) again with the same ids: their channel closed before ` +
            'the broker confirmed them (a worker may see such a task twice, never zero times)',
        );
        this.interrupted = 0;
      }
      this.wake();
    });
    this.channel.on('error', (err: unknown) => {
      this.logger.error(`Publisher channel setup failed: ${errorMessage(err)}`);
    });
    this.stopListening = connection.onChange(() => {
      this.wake();
    });
  }

  /**
   * Declares broker entities on the publishing channel now and after every reconnect. Declaring is
   * idempotent; `key` makes repeated calls for the same entity cheap.
   */
  ensureTopology(key: string, setup: TopologySetup): Promise<void> {
    // One promise per key: a second caller must wait for the same declaration, not skip it, or it
    // publishes to an exchange that does not exist yet (a 404 closes the shared channel).
    let declared = this.declarations.get(key);
    if (!declared) {
      this.topology.set(key, setup);
      declared = this.channel.addSetup(setup).catch((err: unknown) => {
        this.topology.delete(key);
        this.declarations.delete(key);
        throw err;
      });
      this.declarations.set(key, declared);
    }
    return declared;
  }

  /** Marks exchanges this process declared itself, so `publish` need not check them. */
  markExchangeKnown(exchange: string): void {
    this.knownExchanges.add(exchange);
  }

  /**
   * Resolves once the broker confirmed the message.
   * @throws UnroutableError when a mandatory message reached no queue (or its exchange does not exist)
   * @throws PublishBacklogFullError at once, when `maxPendingPublishes` publishes already wait
   * @throws PublishTimeoutError when no confirm came within `publishTimeoutMs`
   * @throws PublishError when the broker refused the message (too large for it, or nacked)
   * @throws IllegalStateError after `close()`
   */
  async publish(request: PublishRequest): Promise<void> {
    this.assertOpen(request);
    if (this.pendingCount >= this.limits.maxPendingPublishes) {
      throw new PublishBacklogFullError(
        request.what,
        this.pendingCount,
        this.limits.maxPendingPublishes,
        this.connection.describeState(),
      );
    }
    this.pendingCount++;
    try {
      await this.publishUntilConfirmed(request, Date.now() + this.limits.publishTimeoutMs);
    } finally {
      this.pendingCount--;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.wake();
    await this.channel.close();
  }

  /** Number of publishes waiting for a connection, an alarm to clear, or a confirm. */
  get pending(): number {
    return this.pendingCount;
  }

  health(): PublisherHealth {
    return {
      pending: this.pendingCount,
      maxPending: this.limits.maxPendingPublishes,
      channelOpen: this.channelOpen,
      republished: this.republished,
    };
  }

  private async publishUntilConfirmed(request: PublishRequest, deadline: number): Promise<void> {
    const { exchange, routingKey, message, mandatory } = request;
    if (!this.knownExchanges.has(exchange)) await this.checkExchange(request, deadline);
    const key = returnKey(exchange, routingKey, message.properties);
    for (let attempt = 1; ; attempt++) {
      // Waits here, not in amqp-connection-manager's buffer, so that a timeout knows the message was
      // never sent, and a blocked connection is not fed more bytes it will not read.
      await this.waitUntilWritable(request, deadline, attempt > 1);
      const sentWhileBlocked = this.connection.blocked !== null;
      try {
        await this.channel.publish(exchange, routingKey, message.content, {
          ...message.properties,
          mandatory,
          timeout: Math.max(1, deadline - Date.now()),
        });
      } catch (err: unknown) {
        this.returned.delete(key);
        if (errorMessage(err) === 'timeout') {
          throw this.timeoutError(request, true, sentWhileBlocked);
        }
        const refusal = this.brokerRefusal(message);
        if (refusal) throw new PublishError(request.what, refusal, { cause: err });
        if (isChannelClosed(err)) {
          // amqplib rejects pending confirms with "channel closed" before the wrapper notices the close
          // (amqp-connection-manager #369); the message may or may not have reached the broker.
          this.republished++;
          this.interrupted++;
          this.logger.debug(`Publishing ${request.what} again (attempt ${attempt + 1})`);
          continue;
        }
        throw new PublishError(request.what, describe(err), { cause: err });
      }
      const reason = this.returned.get(key);
      if (reason !== undefined) {
        this.returned.delete(key);
        if (mandatory) throw new UnroutableError(exchange, routingKey, reason);
      }
      return;
    }
  }

  /**
   * Resolves when the channel is open and the connection not blocked; rejects with a timeout error at
   * the deadline, or when the publisher closes.
   */
  private async waitUntilWritable(
    request: PublishRequest,
    deadline: number,
    sentBefore: boolean,
  ): Promise<void> {
    for (;;) {
      this.assertOpen(request);
      if (this.channelOpen && this.connection.blocked === null) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.timeoutError(request, sentBefore, false);
      await this.nextChange(remaining);
    }
  }

  private timeoutError(
    request: PublishRequest,
    maybeEnqueued: boolean,
    sentWhileBlocked: boolean,
  ): PublishTimeoutError {
    const state = this.connection.describeState();
    const cause = !this.connection.isConnected
      ? 'unreachable'
      : this.connection.blocked !== null || sentWhileBlocked
        ? 'blocked'
        : 'no-confirm';
    return new PublishTimeoutError(
      request.what,
      cause,
      maybeEnqueued,
      this.limits.publishTimeoutMs,
      state,
    );
  }

  /** Waits for a change of the channel or connection state, or `ms`. */
  private nextChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * When the broker closed the channel because *this* message was above its `max_message_size`, the
   * reason to report; retrying would only close the shared channel again.
   */
  private brokerRefusal(message: OutgoingMessage): string | undefined {
    const match = this.lastChannelError
      ? BROKER_SIZE_LIMIT.exec(this.lastChannelError.message)
      : null;
    if (!match || Number(match[1]) !== message.content.length) return undefined;
    return (
      `RabbitMQ refused it: its ${match[1]} bytes are above the broker's max_message_size (${match[2]} bytes). ` +
      `Set maxPayloadBytes to at most ${match[2]} so clients refuse such tasks before sending them, or raise ` +
      `max_message_size on the broker`
    );
  }

  private assertOpen(request: PublishRequest): void {
    if (this.closed) {
      throw new IllegalStateError(`Cannot publish ${request.what}: the publisher is closed`);
    }
  }

  /**
   * amqp-connection-manager re-creates a channel only after a reconnect, so a channel-level error (a
   * queue redeclared with other arguments, a message over the broker's size limit) would leave publishing
   * stuck until every publish timed out (#190). If the connection is still up, reconnect to get a new
   * channel.
   */
  private recoverFromChannelError(channel: ConfirmChannel): void {
    const timer = setTimeout(() => {
      if (this.closed || this.rawChannel !== channel || !this.connection.isConnected) return;
      this.logger.warn('Reconnecting the publishing connection to get a new channel');
      this.connection.reconnect();
    }, 50);
    timer.unref();
  }

  private async checkExchange(request: PublishRequest, deadline: number): Promise<void> {
    await this.waitUntilWritable(request, deadline, false);
    const connection = this.connection.current;
    if (!connection) throw this.timeoutError(request, false, false);
    // A passive declare of a missing exchange closes its channel, so use a throwaway one.
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(request.exchange);
      this.knownExchanges.add(request.exchange);
    } catch (err: unknown) {
      if ((err as { code?: unknown }).code === NOT_FOUND) {
        throw new UnroutableError(
          request.exchange,
          request.routingKey,
          'the exchange does not exist',
        );
      }
      throw new PublishError(
        request.what,
        `could not check that exchange "${request.exchange}" exists: ${errorMessage(err)}`,
        { cause: err },
      );
    } finally {
      await probe.close().catch(() => undefined);
    }
  }
}

function returnKey(
  exchange: string,
  routingKey: string,
  properties: { correlationId?: string },
): string {
  return `${exchange}\u0000${routingKey}\u0000${properties.correlationId ?? ''}`;
}

function returnReason(msg: Message): string {
  const fields = msg.fields as Message['fields'] & { replyText?: string };
  return fields.replyText ?? 'NO_ROUTE';
}

function isChannelClosed(err: unknown): boolean {
  return err instanceof Error && /channel closed|connection closed/i.test(err.message);
}

function describe(err: unknown): string {
  const message = errorMessage(err);
  return message === 'message nacked'
    ? 'RabbitMQ nacked it (an internal error of the queue); send it again with the same taskId'
    : message;
}
