import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, Message } from 'amqplib';
import type { BrokerConnection } from '../broker/broker-connection.js';
import { PublishError } from '../errors/publish.error.js';
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

/**
 * Publishes on one long-lived confirm channel (shared by every caller of the process) and resolves
 * only when the broker has confirmed the message. "Never lies": a returned (unroutable) message rejects
 * with `UnroutableError`, a publish whose channel closed before the confirm is published again with the
 * same content (so the same task id) until `publishTimeoutMs`, and then rejects with `PublishError`.
 */
export class Publisher {
  private readonly logger = new Logger(Publisher.name);
  private readonly channel: ChannelWrapper;
  /** Return keys (exchange, routing key, correlation id) of messages the broker returned, with the reason. */
  private readonly returned = new Map<string, string>();
  private readonly topology = new Map<string, TopologySetup>();
  /** Exchanges known to exist; publishing to a missing one would close the shared channel (404). */
  private readonly knownExchanges = new Set<string>(['']);
  private closed = false;
  private rawChannel: ConfirmChannel | undefined;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly publishTimeoutMs: number,
  ) {
    this.channel = connection.createChannel({
      name: 'celeriac-publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.rawChannel = channel;
        channel.once('close', () => {
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
    this.channel.on('error', (err: unknown) => {
      this.logger.error(`Publisher channel setup failed: ${errorMessage(err)}`);
    });
  }

  /**
   * Declares broker entities on the publishing channel now and after every reconnect. Declaring is
   * idempotent; `key` makes repeated calls for the same entity cheap.
   */
  async ensureTopology(key: string, setup: TopologySetup): Promise<void> {
    if (this.topology.has(key)) return;
    this.topology.set(key, setup);
    try {
      await this.channel.addSetup(setup);
    } catch (err: unknown) {
      this.topology.delete(key);
      throw err;
    }
  }

  /** Marks exchanges this process declared itself, so `publish` need not check them. */
  markExchangeKnown(exchange: string): void {
    this.knownExchanges.add(exchange);
  }

  async publish(request: PublishRequest): Promise<void> {
    this.assertOpen(request);
    if (!this.knownExchanges.has(request.exchange)) await this.checkExchange(request);
    const { exchange, routingKey, message, mandatory } = request;
    const key = returnKey(exchange, routingKey, message.properties);
    const deadline = Date.now() + this.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      // Checked on every attempt: close() may have run while we awaited a confirm.
      this.assertOpen(request);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new PublishError(request.what, `no confirm within ${this.publishTimeoutMs} ms`);
      }
      try {
        await this.channel.publish(exchange, routingKey, message.content, {
          ...message.properties,
          mandatory,
          timeout: remaining,
        });
      } catch (err: unknown) {
        if (isChannelClosed(err)) {
          // amqplib rejects pending confirms with "channel closed" before the wrapper reconnects; the
          // message may or may not have reached the broker. Publishing again with the same content keeps
          // the task id, so a worker sees at worst a duplicate of one task, never a loss.
          this.logger.warn(
            `Publishing ${request.what} again (attempt ${attempt + 1}): channel closed`,
          );
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.channel.close();
  }

  /** Number of publishes waiting for a connection or a confirm. */
  get pending(): number {
    return this.channel.queueLength();
  }

  private assertOpen(request: PublishRequest): void {
    if (this.closed) {
      throw new IllegalStateError(`Cannot publish ${request.what}: the publisher is closed`);
    }
  }

  /**
   * amqp-connection-manager re-creates a channel only after a reconnect, so a channel-level error (a
   * queue redeclared with other arguments, a message over the broker's size limit) would leave publishing
   * stuck until every publish timed out. If no new channel replaced the closed one shortly after, force a
   * reconnect.
   */
  private recoverFromChannelError(channel: ConfirmChannel): void {
    const timer = setTimeout(() => {
      if (this.closed || this.rawChannel !== channel || !this.connection.isConnected) return;
      this.logger.warn(
        'The publishing channel was closed by the broker; reconnecting to get a new one',
      );
      this.connection.reconnect();
    }, 200);
    timer.unref();
  }

  private async checkExchange(request: PublishRequest): Promise<void> {
    await this.channel.waitForConnect();
    const connection = this.connection.current;
    if (!connection) throw new PublishError(request.what, 'not connected to the broker');
    // A passive declare of a missing exchange closes its channel, so use a throwaway one.
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(request.exchange);
      this.knownExchanges.add(request.exchange);
    } catch {
      throw new UnroutableError(
        request.exchange,
        request.routingKey,
        'the exchange does not exist',
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
  return message === 'timeout' ? 'no confirm before the publish timeout' : message;
}
