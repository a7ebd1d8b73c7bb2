import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import type { BrokerConnection } from './broker-connection.js';
import { PublishError } from '../errors/publish.error.js';
import { PublishBacklogFullError } from '../errors/publish-backlog-full.error.js';
import { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { errorMessage } from '../errors/error-text.js';
import { WriteCoalescer } from './write-coalescer.js';
import { PendingPublishes, type PendingPublish } from './pending-publishes.js';
import {
  brokerRefusal,
  closedError,
  describe,
  isChannelClosed,
  probeExchange,
  returnKey,
  returnReason,
} from './publish-failures.js';
import type {
  PublisherHealth,
  PublisherLimits,
  PublishRequest,
  TopologySetup,
} from './publish-request.js';

export type {
  PublisherHealth,
  PublisherLimits,
  PublishRequest,
  PublishTarget,
  TopologySetup,
} from './publish-request.js';

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
 *
 * amqp-connection-manager owns the channel's life (setup, reconnect); the publishes themselves go straight
 * to the amqplib channel with a confirm callback, because the wrapper's per-message promise, timer and
 * queue cost more than the rest of a publish. Publishes written in the same turn of the event loop leave
 * in one socket write (`WriteCoalescer`).
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
  private readonly pendingPublishes = new PendingPublishes<PublishRequest>((publish) => {
    this.fail(publish, this.timeoutError(publish));
  });
  private readonly coalescer = new WriteCoalescer();
  /** Exchange checks waiting for the channel or for an alarm to clear. */
  private readonly waiters = new Set<() => void>();
  /** Resolved when the last in-flight publish settles after `close()` started. */
  private drained: (() => void) | undefined;
  private readonly stopListening: () => void;
  private closed = false;
  private rawChannel: ConfirmChannel | undefined;
  /** True between the wrapper's `connect` (setup done) and the raw channel's close. */
  private channelOpen = false;
  /** True after a write filled the channel's buffer, until amqplib says it drained. */
  private channelFull = false;
  /** Why the broker last closed the publishing channel (a channel error), read by the publishes it failed. */
  private lastChannelError: Error | undefined;
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
        this.channelFull = false;
        this.lastChannelError = undefined;
        // Without an 'error' listener amqplib turns a channel error into a connection error, which would
        // also fail every publish on the connection; with it, only this channel closes, and we replace it.
        channel.on('error', (err: Error) => {
          this.lastChannelError = err;
          this.logger.error(`The broker closed the publishing channel: ${err.message}`);
        });
        channel.once('close', () => {
          if (this.rawChannel === channel) this.channelOpen = false;
          this.coalescer.flush();
          this.changed();
          this.recoverFromChannelError(channel);
        });
        channel.on('drain', () => {
          if (this.rawChannel !== channel) return;
          this.channelFull = false;
          this.changed();
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
      this.changed();
    });
    this.channel.on('error', (err: unknown) => {
      this.logger.error(`Publisher channel setup failed: ${errorMessage(err)}`);
    });
    this.stopListening = connection.onChange(() => {
      this.changed();
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
  publish(request: PublishRequest): Promise<void> {
    // Not an async function: a publish is the hot path, and every async frame costs a promise.
    const refusal = this.refusal(request);
    if (refusal) return Promise.reject(refusal);
    const deadline = Date.now() + this.limits.publishTimeoutMs;
    if (!this.knownExchanges.has(request.exchange)) {
      return this.publishAfterExchangeCheck(request, deadline);
    }
    return this.enqueue(request, deadline);
  }

  /**
   * Stops taking publishes, fails those still waiting to be written, waits for the confirms of those
   * already written (each within its own deadline), then closes the channel.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.changed();
    for (
      let next = this.pendingPublishes.nextWaiting();
      next;
      next = this.pendingPublishes.nextWaiting()
    ) {
      this.fail(next, closedError(next.request));
    }
    if (this.pendingPublishes.size > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    this.pendingPublishes.dispose();
    this.coalescer.flush();
    await this.channel.close();
  }

  /** Number of publishes waiting for a connection, an alarm to clear, or a confirm. */
  get pending(): number {
    return this.pendingPublishes.size;
  }

  health(): PublisherHealth {
    return {
      pending: this.pendingPublishes.size,
      maxPending: this.limits.maxPendingPublishes,
      channelOpen: this.channelOpen,
      republished: this.republished,
    };
  }

  /** Why a publish is refused before it starts, if it is. */
  private refusal(request: PublishRequest): Error | undefined {
    if (this.closed) return closedError(request);
    if (this.pendingPublishes.size >= this.limits.maxPendingPublishes) {
      return new PublishBacklogFullError(
        request.what,
        this.pendingPublishes.size,
        this.limits.maxPendingPublishes,
        this.connection.describeState(),
      );
    }
    return undefined;
  }

  private async publishAfterExchangeCheck(
    request: PublishRequest,
    deadline: number,
  ): Promise<void> {
    await this.checkExchange(request, deadline);
    return this.enqueue(request, deadline);
  }

  /** Starts a checked publish: it settles when confirmed, refused, or past its deadline. */
  private enqueue(request: PublishRequest, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.start({
        request,
        deadline,
        resolve,
        reject,
        channel: undefined,
        written: false,
        settled: false,
        exchange: request.exchange,
        routingKey: request.routingKey,
      });
    });
  }

  private start(publish: PendingPublish<PublishRequest>): void {
    if (this.closed) {
      publish.reject(closedError(publish.request));
      return;
    }
    this.pendingPublishes.add(publish);
    // Behind those already waiting, so publishes keep their order.
    if (!this.pendingPublishes.hasWaiting && this.write(publish)) return;
    this.pendingPublishes.wait(publish);
    this.flushWaiting();
  }

  private get writable(): boolean {
    return (
      this.channelOpen &&
      !this.channelFull &&
      this.rawChannel !== undefined &&
      this.connection.blocked === null
    );
  }

  /**
   * Writes the message to the channel, with a callback for its confirm. False when it cannot be written
   * now (it then waits for the channel, an alarm to clear, or the buffer to drain).
   */
  private write(publish: PendingPublish<PublishRequest>): boolean {
    const channel = this.rawChannel;
    if (!this.writable || channel === undefined) return false;
    const { message, mandatory } = publish.request;
    const { exchange, routingKey } = publish.request.target?.() ?? publish.request;
    this.coalescer.hold(this.connection.current);
    let hasRoom: boolean;
    try {
      hasRoom = channel.publish(
        exchange,
        routingKey,
        message.content,
        { ...message.properties, mandatory },
        (err: unknown) => {
          this.confirmed(publish, channel, err);
        },
      );
    } catch (err: unknown) {
      // amqplib throws when the channel closed under us before the wrapper noticed; the message was not
      // written, so it waits for the next channel like any other.
      this.logger.debug(`Could not write ${publish.request.what}: ${errorMessage(err)}`);
      this.coalescer.flushSoon();
      return false;
    }
    this.coalescer.flushSoon();
    publish.channel = channel;
    publish.written = true;
    publish.exchange = exchange;
    publish.routingKey = routingKey;
    // amqplib buffers without bound; past its high-water mark we hold further publishes in our own
    // (bounded) queue until the channel drains.
    if (!hasRoom) this.channelFull = true;
    return true;
  }

  /** Writes waiting publishes, in order, while the channel takes them. */
  private flushWaiting(): void {
    if (this.closed) return;
    while (this.writable) {
      const next = this.pendingPublishes.nextWaiting();
      if (next === undefined) return;
      if (!this.write(next)) {
        this.pendingPublishes.unshiftWaiting(next);
        return;
      }
    }
  }

  /** amqplib's confirm callback: `null` for an ack, an Error for a nack or a channel that closed. */
  private confirmed(
    publish: PendingPublish<PublishRequest>,
    channel: ConfirmChannel,
    err: unknown,
  ): void {
    // A confirm for an earlier write of a publish since written again on a newer channel is stale.
    if (publish.settled || publish.channel !== channel) return;
    const { request } = publish;
    if (err === null || err === undefined) {
      if (this.returned.size > 0) {
        const { exchange, routingKey } = publish;
        const key = returnKey(exchange, routingKey, request.message.properties);
        const reason = this.returned.get(key);
        if (reason !== undefined) {
          this.returned.delete(key);
          if (request.mandatory) {
            this.fail(publish, new UnroutableError(exchange, routingKey, reason));
            return;
          }
        }
      }
      this.succeed(publish);
      return;
    }
    const refusal = brokerRefusal(this.lastChannelError, request.message.content.length);
    if (refusal) {
      this.fail(publish, new PublishError(request.what, refusal, { cause: err }));
      return;
    }
    if (isChannelClosed(err)) {
      // The message may or may not have reached the broker: write it again on the next channel.
      if (this.closed) {
        this.fail(publish, closedError(request));
        return;
      }
      this.republished++;
      this.interrupted++;
      publish.channel = undefined;
      this.pendingPublishes.wait(publish);
      return;
    }
    this.fail(publish, new PublishError(request.what, describe(err), { cause: err }));
  }

  private succeed(publish: PendingPublish<PublishRequest>): void {
    if (!this.pendingPublishes.settle(publish)) return;
    publish.resolve();
    this.afterSettle();
  }

  private fail(publish: PendingPublish<PublishRequest>, err: Error): void {
    if (!this.pendingPublishes.settle(publish)) return;
    publish.reject(err);
    this.afterSettle();
  }

  private afterSettle(): void {
    if (this.drained && this.pendingPublishes.size === 0) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  private timeoutError(
    publish: Pick<PendingPublish<PublishRequest>, 'request' | 'written'>,
  ): PublishTimeoutError {
    const state = this.connection.describeState();
    const cause = !this.connection.isConnected
      ? 'unreachable'
      : this.connection.blocked !== null
        ? 'blocked'
        : 'no-confirm';
    // Written at least once (maybe on a channel that closed since): it may still reach the queue.
    const maybeEnqueued = publish.written;
    return new PublishTimeoutError(
      publish.request.what,
      cause,
      maybeEnqueued,
      this.limits.publishTimeoutMs,
      state,
    );
  }

  /** Resolves when a publish could be written now; rejects with a timeout error at the deadline. */
  private async waitUntilWritable(request: PublishRequest, deadline: number): Promise<void> {
    for (;;) {
      this.assertOpen(request);
      if (this.writable) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw this.timeoutError({ request, written: false });
      }
      await this.nextChange(remaining);
    }
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

  /** The channel or connection changed: write what waits, and wake exchange checks. */
  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
    this.flushWaiting();
  }

  private assertOpen(request: PublishRequest): void {
    if (this.closed) throw closedError(request);
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
    await this.waitUntilWritable(request, deadline);
    const connection = this.connection.current;
    if (!connection) throw this.timeoutError({ request, written: false });
    await probeExchange(connection, request);
    this.knownExchanges.add(request.exchange);
  }
}
