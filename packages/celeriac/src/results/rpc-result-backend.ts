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
import { ReplyQueueError } from '../errors/reply-queue.error.js';
import { ChangeSignal } from '../transport/change-signal.js';
import { ResultUnavailableError } from '../errors/result-unavailable.error.js';
import type { ResultBackend } from './result-backend.js';

const SWEEP_INTERVAL_MS = 60_000;
/** How many finished handles stay findable by id. */
const FINISHED_KEPT = 10_000;
const READY: Promise<void> = Promise.resolve();

/**
 * Celery's `rpc://` result backend, client side: one reply queue per process, named like Python's
 * (a uuid), declared as Celery declares it, consumed without acks. Replies are routed to handles by
 * `task_id`; a handle is tracked from `send()` until its final state arrives, so the map holds only
 * tasks still in flight, and at most `maxTracked` of them: beyond it the oldest handle is dropped and its
 * `get()` rejects with `ResultUnavailableError` (reason `evicted`) rather than holding memory for a result
 * nobody may read.
 */
export class RpcResultBackend implements ResultBackend {
  readonly kind = 'rpc';
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
  /** The raw channel of the latest setup: a late close of an older one changes nothing. */
  private raw: Channel | undefined;
  /** True while the reply queue is declared and consumed on the current channel. */
  private consuming = false;
  /** Why the last setup of the reply channel failed, until one succeeds. */
  private setupError: unknown;
  private readonly changes = new ChangeSignal();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: BrokerConnections,
    private readonly maxPayloadBytes: number,
    private readonly maxTracked: number = 10_000,
    private readonly defaultTimeoutMs: number = 0,
  ) {}

  /**
   * Resolves once replies can be received: the reply queue is declared and consumed. The channel is
   * opened once and set up again after every reconnect; each call waits for it at most `timeoutMs`, so a
   * failed setup or an outage never holds a send beyond its bound, and the next call waits afresh.
   * @throws BrokerUnreachableError when there was no connection within `timeoutMs`
   * @throws ReplyQueueError when connected, but the reply queue was not consuming within `timeoutMs`
   */
  start(timeoutMs: number): Promise<void> {
    if (this.consuming) return READY;
    this.sweeper ??= setInterval(() => {
      this.sweep(Date.now());
    }, SWEEP_INTERVAL_MS).unref();
    this.channel ??= this.openChannel();
    return this.waitUntilConsuming(timeoutMs);
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
    if (this.inFlight.size >= this.maxTracked) this.evictOldest();
    const handle = new AsyncResult<R>(taskId, false, this.defaultTimeoutMs);
    this.inFlight.set(taskId, handle);
    return handle;
  }

  private evictOldest(): void {
    const oldest = this.inFlight.entries().next();
    if (oldest.done) return;
    const [id, handle] = oldest.value;
    this.inFlight.delete(id);
    handle.abandon(
      new ResultUnavailableError(
        id,
        'evicted',
        `more than maxTrackedResults (${this.maxTracked}) results were awaited at once, and this was the oldest`,
      ),
    );
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

  saveGroup(groupId: string): Promise<void> {
    return Promise.reject(unsupported(groupId, 'saving a group'));
  }

  restoreGroup(groupId: string): Promise<string[] | null> {
    return Promise.reject(unsupported(groupId, 'restoring a group'));
  }

  forgetGroup(groupId: string): Promise<void> {
    return Promise.reject(unsupported(groupId, 'forgetting a group'));
  }

  setChordSize(groupId: string): Promise<void> {
    return Promise.reject(unsupported(groupId, 'a chord'));
  }

  async close(): Promise<void> {
    for (const [id, handle] of this.inFlight) {
      handle.abandon(new ResultUnavailableError(id, 'closed', 'the client closed while waiting'));
    }
    this.inFlight.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const channel = this.channel;
    this.channel = undefined;
    this.consuming = false;
    this.changes.wake();
    if (channel) await channel.close();
  }

  private async waitUntilConsuming(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.connections.get('consume').waitForConnect(timeoutMs);
    while (!this.consuming) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.channel === undefined) {
        const reason = this.setupError === undefined ? null : errorMessage(this.setupError);
        throw new ReplyQueueError(this.replyQueue, timeoutMs, reason, { cause: this.setupError });
      }
      await this.changes.next(remaining);
    }
  }

  private openChannel(): ChannelWrapper {
    const connection = this.connections.get('consume');
    const channel = connection.createChannel({
      name: 'celeriac-results',
      confirm: false,
      // Runs again on every reconnect: the auto-delete queue is gone once our consumer was, so it is
      // declared afresh (replies published while it did not exist are lost, as with Celery's rpc backend).
      setup: async (raw: Channel) => {
        this.raw = raw;
        raw.once('close', () => {
          if (this.raw === raw) this.consuming = false;
        });
        try {
          await assertReplyQueue(raw, this.replyQueue);
          await raw.consume(
            this.replyQueue,
            (msg) => {
              if (msg) this.receive(msg);
            },
            { noAck: true },
          );
        } catch (err: unknown) {
          this.setupError = err;
          this.changes.wake();
          throw err;
        }
        this.setupError = undefined;
        this.consuming = true;
        this.changes.wake();
      },
    });
    channel.on('error', (err: unknown) => {
      this.logger.error(`Result channel setup failed: ${errorMessage(err)}`);
    });
    return channel;
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

/** rpc:// stores nothing, so what needs a store is refused, as Celery's rpc backend refuses chords. */
function unsupported(id: string, what: string): ResultUnavailableError {
  return new ResultUnavailableError(
    id,
    'unsupported',
    `${what} needs a result backend that stores results (resultBackend: 'redis://…'), not rpc://`,
  );
}
