import { Logger } from '@nestjs/common';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { CreateChannelOpts } from 'amqp-connection-manager';
import type { ChannelModel } from 'amqplib';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { redactUrl } from './redact-url.js';

/** What a connection is for; also its name in the broker's connection list. */
export type ConnectionRole = 'publish' | 'consume';

/**
 * One AMQP connection with automatic reconnect (amqp-connection-manager). Celeriac keeps publishing and
 * consuming on separate connections because a resource alarm blocks publishing connections only
 * (reliability.md §0.2): a blocked publisher must never stall acks and deliveries.
 */
export class BrokerConnection {
  private readonly logger: Logger;
  private readonly manager: AmqpConnectionManager;
  private blockedReason: string | null = null;

  constructor(
    readonly role: ConnectionRole,
    options: ResolvedTaskQueueOptions,
  ) {
    this.logger = new Logger(`BrokerConnection(${role})`);
    this.manager = amqp.connect([...options.urls], {
      heartbeatIntervalInSeconds: options.heartbeatSeconds,
      reconnectTimeInSeconds: options.reconnectDelayMs / 1000,
      connectionOptions: {
        // Nagle's algorithm adds ~40 ms tails to small frames (reliability.md §0.2).
        noDelay: true,
        timeout: options.connectTimeoutMs,
        clientProperties: { connection_name: `celeriac-${role}-${process.pid}` },
      },
    });
    this.manager.on('connect', ({ url }) => {
      this.logger.log(`Connected to ${describeUrl(url)}`);
    });
    this.manager.on('disconnect', ({ err }) => {
      this.logger.warn(`Disconnected: ${redactText(err.message)}; reconnecting`);
    });
    this.manager.on('connectFailed', ({ err, url }) => {
      this.logger.warn(`Cannot connect to ${describeUrl(url)}: ${redactText(err.message)}`);
    });
    this.manager.on('blocked', ({ reason }) => {
      this.blockedReason = reason;
      this.logger.warn(`The broker blocked this connection: ${reason}`);
    });
    this.manager.on('unblocked', () => {
      this.blockedReason = null;
      this.logger.log('The broker unblocked this connection');
    });
  }

  /** True while a connection to the broker is open. */
  get isConnected(): boolean {
    return this.manager.isConnected();
  }

  /** Why the broker blocked publishing (a memory or disk alarm), or null. */
  get blocked(): string | null {
    return this.blockedReason;
  }

  /** The current amqplib connection, for short-lived raw channels; undefined while disconnected. */
  get current(): ChannelModel | undefined {
    return this.manager.connection;
  }

  /**
   * Calls `listener` with every new amqplib connection (after the first connect and each reconnect), and
   * at once when connected already. Returns a function that removes the listener.
   */
  onConnect(listener: (connection: ChannelModel) => void): () => void {
    const handler = ({ connection }: { connection: ChannelModel }): void => {
      listener(connection);
    };
    this.manager.on('connect', handler);
    const current = this.manager.connection;
    if (current) listener(current);
    return () => {
      this.manager.removeListener('connect', handler);
    };
  }

  /** Drops the connection and connects again (a no-op while disconnected). */
  reconnect(): void {
    this.manager.reconnect();
  }

  createChannel(opts: CreateChannelOpts): ChannelWrapper {
    return this.manager.createChannel(opts);
  }

  /** Resolves once connected; rejects after `timeoutMs` with a message that says how to start a broker. */
  async waitForConnect(timeoutMs: number): Promise<void> {
    // The manager's connect() waits for the next 'connect' event, which never comes when connected already.
    if (this.manager.isConnected()) return;
    try {
      await this.manager.connect({ timeout: timeoutMs });
    } catch (err: unknown) {
      const reason = err instanceof Error ? redactText(err.message) : String(err);
      throw new Error(
        `Celeriac could not reach RabbitMQ within ${timeoutMs} ms (${reason}). ` +
          `Check the url option (RABBITMQ_URL) and that the broker runs ('rabbitmq-diagnostics ping').`,
        { cause: err },
      );
    }
  }

  async close(): Promise<void> {
    await this.manager.close();
  }
}

function describeUrl(url: unknown): string {
  if (typeof url === 'string') return redactUrl(url);
  return 'the broker';
}

/** Error texts from amqplib can quote the URL; never let a password through. */
function redactText(text: string): string {
  return text.replace(/(amqps?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}
