import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { BrokerConnections } from '../broker/broker-connections.js';
import { assertReplyQueue } from '../broker/topology.js';
import { decodeResult } from '../message/decode-result.js';
import { READY_STATES } from '../message/result-message.js';
import { AsyncResult } from './async-result.js';
import { errorMessage } from '../errors/error-text.js';

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
  private channel: ChannelWrapper | undefined;
  private started: Promise<void> | undefined;

  constructor(
    private readonly connections: BrokerConnections,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Declares and consumes the reply queue once; resolves when replies can be received. */
  start(): Promise<void> {
    this.started ??= this.open();
    return this.started;
  }

  /** A handle that will receive this task's replies. */
  track<R>(taskId: string): AsyncResult<R> {
    const existing = this.inFlight.get(taskId);
    if (existing) return existing as AsyncResult<R>;
    const handle = new AsyncResult<R>(taskId);
    this.inFlight.set(taskId, handle);
    return handle;
  }

  /** Forget a handle, e.g. after its publish failed. */
  untrack(taskId: string): void {
    this.inFlight.delete(taskId);
  }

  /** Tasks sent by this process whose final state has not arrived yet. */
  get pendingCount(): number {
    return this.inFlight.size;
  }

  async close(): Promise<void> {
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
            if (msg) this.onReply(msg);
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

  private onReply(msg: ConsumeMessage): void {
    const decoded = decodeResult(msg);
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
    if (READY_STATES.has(result.status)) this.inFlight.delete(result.taskId);
  }
}
