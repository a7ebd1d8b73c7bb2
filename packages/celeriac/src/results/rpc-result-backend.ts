import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import type { IncomingMessage } from '../message/amqp-message.js';
import type { BrokerConnections } from '../transport/broker-connections.js';
import { REPLY_QUEUE_EXPIRES_MS } from '../options/queue-declarations.js';
import { assertReplyQueue } from '../transport/topology.js';
import { decodeResult } from '../message/decode-result.js';
import { READY_STATES } from '../message/result-message.js';
import { AsyncResult } from './async-result.js';
import { errorMessage } from '../errors/error-text.js';

const SWEEP_INTERVAL_MS = 60_000;
/** How many finished handles stay findable by id. */
const FINISHED_KEPT = 10_000;

/**
 * Celery's `rpc://` result backend, client side: one reply queue per process, named like Python's
 * (a uuid), declared as Celery declares it, consumed without acks. Replies are routed to handles by
 * `task_id`; a handle is tracked from `send()` until its final state arrives, so the map holds only
 * tasks still in flight.
 */
export class RpcResultBackend {
  private readonly logger = new Logger(RpcResultBackend.name);
  /** Name of this process's reply queue (the `reply_to` of every task it sends). */
  readonly replyQueue = randomUUID();
  private readonly inFlight = new Map<string, AsyncResult>();
  /**
   * Handles whose final state arrived, newest last, so `track(id)` after the fact (a callback's result,
   * a chain step asked for later) still finds the outcome. Bounded: the oldest are forgotten first.
   */
  private readonly finished = new Map<string, AsyncResult>();
  private channel: ChannelWrapper | undefined;
  private started: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: BrokerConnections,
    private readonly connectTimeoutMs: number,
    private readonly maxPayloadBytes: number,
  ) {}

  /** Declares and consumes the reply queue once; resolves when replies can be received. */
  start(): Promise<void> {
    // A failed start (broker unreachable) is forgotten, so the next send tries again.
    this.started ??= this.open().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    this.sweeper ??= setInterval(() => {
      this.sweep(Date.now());
    }, SWEEP_INTERVAL_MS).unref();
    return this.started;
  }

  /**
   * Forgets handles older than the reply queue's own expiry: a callback that never ran (its parent
   * failed) or a task whose worker never answered would otherwise stay in the map for ever.
   */
  sweep(now: number): void {
    for (const [id, handle] of this.inFlight) {
      if (now - handle.createdAt > REPLY_QUEUE_EXPIRES_MS) this.inFlight.delete(id);
    }
  }

  /** A handle that will receive this task's replies. */
  track<R>(taskId: string): AsyncResult<R> {
    const existing = this.inFlight.get(taskId) ?? this.finished.get(taskId);
    if (existing) return existing as AsyncResult<R>;
    const handle = new AsyncResult<R>(taskId);
    this.inFlight.set(taskId, handle);
    return handle;
  }

  /** Forget a handle, e.g. after its publish failed. */
  untrack(taskId: string): void {
    this.inFlight.delete(taskId);
    this.finished.delete(taskId);
  }

  /** Tasks sent by this process whose final state has not arrived yet. */
  get pendingCount(): number {
    return this.inFlight.size;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const channel = this.channel;
    this.channel = undefined;
    this.started = undefined;
    if (channel) await channel.close();
  }

  private async open(): Promise<void> {
    const connection = this.connections.get('consume');
    const channel = connection.createChannel({
      name: 'celeriac-results',
      confirm: false,
      // Runs again on every reconnect: the auto-delete queue is gone once our consumer was, so it is
      // declared afresh (replies published while it did not exist are lost, as with Celery's rpc backend).
      setup: async (raw: Channel) => {
        await assertReplyQueue(raw, this.replyQueue);
        await raw.consume(
          this.replyQueue,
          (msg) => {
            if (msg) this.receive(msg);
          },
          { noAck: true },
        );
      },
    });
    channel.on('error', (err: unknown) => {
      this.logger.error(`Result channel setup failed: ${errorMessage(err)}`);
    });
    this.channel = channel;
    await connection.waitForConnect(this.connectTimeoutMs);
    await channel.waitForConnect();
  }

  /** Settles the handle a reply is for; called for every message on the reply queue. */
  receive(msg: IncomingMessage): void {
    const decoded = decodeResult(msg, { maxPayloadBytes: this.maxPayloadBytes });
    if (!decoded.ok) {
      this.logger.warn(
        `Ignoring a malformed result on ${this.replyQueue}: ${decoded.reason} (${decoded.detail})`,
      );
      return;
    }
    const result = decoded.result;
    const handle = this.inFlight.get(result.taskId);
    if (!handle) return; // a reply for a task nobody waits for (ignored result, or a callback's result)
    handle.settle(result);
    if (!READY_STATES.has(result.status)) return;
    this.inFlight.delete(result.taskId);
    this.finished.set(result.taskId, handle);
    if (this.finished.size > FINISHED_KEPT) {
      const oldest = this.finished.keys().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
  }
}
