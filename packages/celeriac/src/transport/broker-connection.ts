import { Logger } from '@nestjs/common';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { CreateChannelOpts } from 'amqp-connection-manager';
import type { ChannelModel } from 'amqplib';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { tlsSocketOptions } from '../options/tls-options.js';
import { BrokerUnreachableError } from '../errors/broker-unreachable.error.js';
import { redactUrl } from '../errors/redact-url.js';
import { nextWarnedAttempt, shouldWarnReconnect } from './reconnect-warnings.js';

/** What a connection is for; also its name in the broker's connection list. */
export type ConnectionRole = 'publish' | 'consume';

/** One connection's state, for health checks and error messages. */
export interface ConnectionHealth {
  /** True while a connection to the broker is open. */
  readonly connected: boolean;
  /**
   * Why the broker blocks this connection (`'low on memory'`, `'low on disk'`: a resource alarm), or null.
   * A blocked connection can still receive; whatever it publishes waits until the alarm clears.
   */
  readonly blocked: string | null;
  /** When `connected` (or `blocked`, while blocked) last changed. */
  readonly since: Date;
  /** The last connect or disconnect error, redacted; null once connected. */
  readonly lastError: string | null;
  /** Connections opened so far: 1 after the first connect, 2 after the first reconnect, ... */
  readonly connects: number;
  /** Connect attempts that failed since the connection was last open (0 while connected). */
  readonly failedAttempts: number;
}

/**
 * One AMQP connection with automatic reconnect (amqp-connection-manager). Celeriac keeps publishing and
 * consuming on separate connections because a resource alarm blocks publishing connections only
 * (reliability.md §0.2): a blocked publisher must never stall acks and deliveries.
 */
export class BrokerConnection {
  private readonly logger: Logger;
  private readonly manager: AmqpConnectionManager;
  private readonly listeners = new Set<() => void>();
  private blockedReason: string | null = null;
  private since = new Date();
  private lastError: string | null = null;
  private connects = 0;
  private failedAttempts = 0;
  private closing: Promise<void> | undefined;
  /** The configured URLs, redacted: for logs and errors. */
  private readonly shownUrls: string;
  /** How long the first connect may take (`connectTimeoutMs`); also each attempt's TCP connect timeout. */
  readonly connectTimeoutMs: number;
  private readonly reconnectDelayMs: number;

  constructor(
    readonly role: ConnectionRole,
    private readonly options: ResolvedTaskQueueOptions,
  ) {
    this.logger = new Logger(`BrokerConnection(${role})`);
    this.shownUrls = options.urls.map(redactUrl).join(' or ');
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.reconnectDelayMs = options.reconnectDelayMs;
    this.manager = amqp.connect([...options.urls], {
      heartbeatIntervalInSeconds: options.heartbeatSeconds,
      reconnectTimeInSeconds: options.reconnectDelayMs / 1000,
      connectionOptions: {
        // CA, client certificate and server name of amqps:// URLs (Node's tls.connect options).
        ...tlsSocketOptions(options.tls),
        // Nagle's algorithm adds ~40 ms tails to small frames (reliability.md §0.2).
        noDelay: true,
        timeout: options.connectTimeoutMs,
        clientProperties: { connection_name: `celeriac-${role}-${process.pid}` },
      },
    });
    this.manager.on('connect', ({ url }) => {
      this.connects++;
      this.failedAttempts = 0;
      this.lastError = null;
      // A new connection starts unblocked: the broker says so again if the alarm is still on.
      this.changed(null);
      this.logger.log(
        `Connected to ${describeUrl(url)}${this.connects > 1 ? ` (reconnect ${this.connects - 1})` : ''}`,
      );
    });
    this.manager.on('disconnect', ({ err }) => {
      this.lastError = redactText(err.message);
      this.changed(null);
      this.logger.error(`Disconnected: ${this.lastError}; reconnecting`);
    });
    this.manager.on('connectFailed', ({ err, url }) => {
      this.lastError = redactText(err.message);
      this.failedAttempts++;
      this.warnConnectFailed(describeUrl(url));
    });
    this.manager.on('blocked', ({ reason }) => {
      this.changed(reason);
      this.logger.warn(
        `RabbitMQ blocked this ${role} connection (${reason}): a resource alarm is on, so publishes wait ` +
          `until it clears ('rabbitmq-diagnostics alarms' shows which)`,
      );
    });
    this.manager.on('unblocked', () => {
      this.changed(null);
      this.logger.log(`RabbitMQ unblocked this ${role} connection`);
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

  health(): ConnectionHealth {
    return {
      connected: this.isConnected,
      blocked: this.blockedReason,
      since: this.since,
      lastError: this.lastError,
      connects: this.connects,
      failedAttempts: this.failedAttempts,
    };
  }

  /** A sentence for error messages: why this connection cannot publish right now, or that it can. */
  describeState(): string {
    if (!this.isConnected) {
      const error = this.lastError ? `; last error: ${this.lastError}` : '';
      return (
        `RabbitMQ at ${this.shownUrls} has been unreachable for ${Date.now() - this.since.getTime()} ms` +
        error
      );
    }
    if (this.blockedReason !== null) {
      return (
        `RabbitMQ has blocked publishing for ${Date.now() - this.since.getTime()} ms ` +
        `(resource alarm: ${this.blockedReason})`
      );
    }
    return 'connected';
  }

  /**
   * Calls `listener` whenever the connection connects, disconnects, is blocked or unblocked. Returns a
   * function that removes it.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
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

  /**
   * Resolves once connected. Reconnecting goes on in the background either way.
   * @param timeoutMs how long to wait; `connectTimeoutMs` by default
   * @throws BrokerUnreachableError after `timeoutMs` (or at once for refused credentials), naming the
   *   redacted URL, the last connect error and what to check
   */
  async waitForConnect(timeoutMs: number = this.connectTimeoutMs): Promise<void> {
    // The manager's connect() waits for the next 'connect' event, which never comes when connected already.
    if (this.manager.isConnected()) return;
    try {
      await this.manager.connect({ timeout: timeoutMs });
    } catch (err: unknown) {
      // The manager's own timeout says only "connect timeout"; the last attempt's error says why.
      const reason =
        this.lastError ?? (err instanceof Error ? redactText(err.message) : String(err));
      throw new BrokerUnreachableError(this.options.urls, timeoutMs, reason, { cause: err });
    }
  }

  /** The error of a wait for this connection that `timeoutMs` bounded, naming the last connect error. */
  unreachableError(timeoutMs: number): BrokerUnreachableError {
    return new BrokerUnreachableError(this.options.urls, timeoutMs, this.lastError);
  }

  /** Closes the connection; every call resolves when it is closed, not only the first. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    await this.manager.close();
    this.changed(null);
    this.listeners.clear();
  }

  /** A failed connect attempt: warned about at first, then at each doubling, with the count. */
  private warnConnectFailed(url: string): void {
    const attempt = this.failedAttempts;
    if (!shouldWarnReconnect(attempt)) return;
    const every = `${this.reconnectDelayMs / 1000} s`;
    const next =
      attempt < 3 ? '' : `; the next warning comes at attempt ${nextWarnedAttempt(attempt)}`;
    this.logger.warn(
      `Cannot connect to ${url} (attempt ${attempt}, unreachable for ` +
        `${Date.now() - this.since.getTime()} ms): ${this.lastError ?? 'unknown error'}. Retrying every ` +
        `${every}${next}. Check the url option (RABBITMQ_URL) and that the broker runs.`,
    );
  }

  private changed(blocked: string | null): void {
    this.blockedReason = blocked;
    this.since = new Date();
    for (const listener of [...this.listeners]) listener();
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
