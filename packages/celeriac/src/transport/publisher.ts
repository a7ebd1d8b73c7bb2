import type { ConfirmChannel } from 'amqplib';
import type { BrokerConnection } from './broker-connection.js';
import type { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { PendingPublishes, type PendingPublish } from './pending-publishes.js';
import { admissionRefusal, batchRefusal, closedError, publishTimeout } from './publish-failures.js';
import { ExchangeChecks } from './exchange-checks.js';
import { PublisherTopology } from './publisher-topology.js';
import { PublishingChannel } from './publishing-channel.js';
import { PublishSettlement } from './publish-settlement.js';
import type {
  PublishObserver,
  PublisherHealth,
  PublisherLimits,
  PublishRequest,
  TopologySetup,
} from './publish-request.js';

/** First pause before a nacked publish is written again on the same channel; doubled up to the max. */
const NACK_RETRY_MS = 100;
const NACK_RETRY_MAX_MS = 1_000;

/**
 * Publishes on one long-lived confirm channel (shared by every caller of the process) and resolves
 * only when the broker has confirmed the message. "Never lies":
 * - a returned (unroutable) message rejects with `UnroutableError`;
 * - a publish whose channel or connection closed before the confirm is published again with the same
 *   content (so the same task id: at worst a duplicate, never a loss; reliability.md §2.3);
 * - a nacked publish is published again until its deadline, on a new channel (replaced at most every
 *   few seconds) or after a backoff (see `retryNacked`);
 * - while the broker is unreachable or blocks publishing (a resource alarm), a publish waits in memory,
 *   not on the socket, for at most `publishTimeoutMs`, then rejects with `PublishTimeoutError` saying
 *   which, and whether the message may still arrive;
 * - at most `maxPendingPublishes` publishes wait at once; beyond that `publish` rejects at once with
 *   `PublishBacklogFullError`, and timed-out publishes are let go (`PendingPublishes.wait`), so an outage
 *   cannot grow memory without bound: at most `2 × maxPendingPublishes + 32` messages are held.
 *
 * amqp-connection-manager owns the channel's life (setup, reconnect); the publishes themselves go straight
 * to the amqplib channel with a confirm callback, because the wrapper's per-message promise, timer and
 * queue cost more than the rest of a publish. Publishes written in the same turn of the event loop leave
 * in one socket write (`WriteCoalescer`). How each written publish ends, from its confirm and returns, is
 * `PublishSettlement`'s job.
 */
export class Publisher {
  private readonly channel: PublishingChannel;
  private readonly topology: PublisherTopology;
  private readonly exchanges: ExchangeChecks;
  private readonly pendingPublishes = new PendingPublishes<PublishRequest>((publish) => {
    this.settlement.fail(publish, this.timeoutError(publish.request, publish.written));
  });
  private readonly settlement: PublishSettlement;
  private readonly stopListening: () => void;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly limits: PublisherLimits,
  ) {
    this.settlement = new PublishSettlement(this.pendingPublishes, limits.publishTimeoutMs, {
      isClosed: () => this.closed,
      lastChannelError: () => this.channel.lastError,
      nacked: (publish, channel) => {
        this.retryNacked(publish, channel);
      },
    });
    this.channel = new PublishingChannel(
      connection,
      {
        connected: () => {
          this.settlement.channelOpened();
          this.changed();
        },
        changed: () => {
          this.changed();
        },
        returned: (msg) => {
          this.settlement.recordReturn(msg);
        },
      },
      (channel) => this.topology.replay(channel),
    );
    this.topology = new PublisherTopology();
    this.exchanges = new ExchangeChecks({
      isWritable: () => this.channel.writableChannel !== undefined,
      get connection() {
        return connection.current;
      },
      assertOpen: (request) => {
        if (this.closed) throw closedError(request);
      },
      timeoutError: (request) => this.timeoutError(request, false),
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
    return this.topology.ensure(key, setup);
  }

  /** Tells `observer` how each publish ends from now on (the metrics); null stops it. */
  observe(observer: PublishObserver | null): void {
    this.settlement.observe(observer);
  }

  /** Marks exchanges this process declared itself, so `publish` need not check them. */
  markExchangeKnown(exchange: string): void {
    this.exchanges.markKnown(exchange);
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
    const refusal = admissionRefusal(
      request,
      this.closed,
      this.pendingPublishes.size,
      this.limits.maxPendingPublishes,
      this.connection,
    );
    if (refusal) {
      this.settlement.refused(refusal);
      return Promise.reject(refusal);
    }
    const deadline = Date.now() + this.limits.publishTimeoutMs;
    if (!this.exchanges.isKnown(request.exchange)) {
      return this.exchanges.check(request, deadline).then(() => this.enqueue(request, deadline));
    }
    return this.enqueue(request, deadline);
  }

  /**
   * Why `count` publishes could not all start now, if so: the publisher is closed, or fewer than `count`
   * of `maxPendingPublishes` are free. A batch checks this first, so that it is sent whole or not at all.
   */
  batchRefusal(count: number, what: string): Error | undefined {
    const { size } = this.pendingPublishes;
    return batchRefusal(
      what,
      count,
      this.closed,
      size,
      this.limits.maxPendingPublishes,
      this.connection,
    );
  }

  /**
   * Stops taking publishes, fails those still waiting to be written, waits for the confirms of those
   * already written (each within its own deadline), then closes the channel. Every call resolves when
   * that is done, not only the first.
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  private async drainAndClose(): Promise<void> {
    this.closed = true;
    this.channel.stopRecovering();
    this.stopListening();
    this.changed();
    for (
      let next = this.pendingPublishes.nextWaiting();
      next;
      next = this.pendingPublishes.nextWaiting()
    ) {
      this.settlement.fail(next, closedError(next.request));
    }
    await this.pendingPublishes.whenEmpty();
    this.pendingPublishes.dispose();
    await this.channel.close();
  }

  /** Number of publishes waiting for a connection, an alarm to clear, or a confirm. */
  get pending(): number {
    return this.pendingPublishes.size;
  }

  /** Not on the publish path: counts what is held, for health checks. */
  health(): PublisherHealth {
    return {
      ...this.pendingPublishes.held((request) => request.message.content.length),
      pending: this.pendingPublishes.size,
      maxPending: this.limits.maxPendingPublishes,
      channelOpen: this.channel.isOpen,
      republished: this.settlement.republished,
    };
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
        nacks: 0,
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

  /**
   * Writes the message to the channel, with a callback for its confirm. False when it cannot be written
   * now (it then waits for the channel, an alarm to clear, or the buffer to drain).
   */
  private write(publish: PendingPublish<PublishRequest>): boolean {
    const channel = this.channel.writableChannel;
    if (channel === undefined) return false;
    const { message, mandatory } = publish.request;
    const { exchange, routingKey } = publish.request.target?.() ?? publish.request;
    const written = this.channel.write(
      channel,
      exchange,
      routingKey,
      message.content,
      message.properties.mandatory === mandatory
        ? message.properties
        : { ...message.properties, mandatory },
      (err: unknown) => {
        this.settlement.confirmed(publish, channel, err);
      },
    );
    if (!written) return false;
    publish.channel = channel;
    publish.written = true;
    publish.exchange = exchange;
    publish.routingKey = routingKey;
    return true;
  }

  /** Writes waiting publishes, in order, while the channel takes them. */
  private flushWaiting(): void {
    if (this.closed) return;
    while (this.channel.writableChannel !== undefined) {
      const next = this.pendingPublishes.nextWaiting();
      if (next === undefined) return;
      if (!this.write(next)) {
        this.pendingPublishes.unshiftWaiting(next);
        return;
      }
    }
  }

  /**
   * A nack: the queue did not take the message. RabbitMQ 3.10 can nack every publish to a quorum queue
   * for a while after the queue's leader node died, on the channel that met it for as long as the
   * channel lives and on new channels for seconds, so the message is written again until its deadline:
   * on a new channel (replaced at most every few seconds), else after a backoff. A queue that refuses
   * publishes on purpose (full, `x-overflow: reject-publish`) makes the publish wait for room the same
   * way, like a resource alarm does, and time out with `PublishTimeoutError`.
   */
  private retryNacked(publish: PendingPublish<PublishRequest>, channel: ConfirmChannel): void {
    publish.nacks++;
    publish.channel = undefined;
    if (this.channel.renew(channel)) {
      this.pendingPublishes.wait(publish);
      return;
    }
    const delay = Math.min(NACK_RETRY_MAX_MS, NACK_RETRY_MS * 2 ** (publish.nacks - 1));
    const timer = setTimeout(() => {
      if (publish.settled || this.closed) return; // its deadline fails it
      this.pendingPublishes.wait(publish);
      this.flushWaiting();
    }, delay);
    timer.unref();
  }

  private timeoutError(request: PublishRequest, written: boolean): PublishTimeoutError {
    return publishTimeout(request, written, this.connection, this.limits.publishTimeoutMs);
  }

  /** The channel or connection changed: write what waits, and wake exchange checks. */
  private changed(): void {
    this.exchanges.wake();
    this.flushWaiting();
  }
}
