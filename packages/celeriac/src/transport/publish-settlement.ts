import { Logger } from '@nestjs/common';
import type { ConfirmChannel, Message } from 'amqplib';
import { confirmFailure, confirmOutcome } from './confirm-outcome.js';
import type { PendingPublish, PendingPublishes } from './pending-publishes.js';
import { closedError, failureKind } from './publish-failures.js';
import type { PublishObserver, PublishRequest } from './publish-request.js';
import { ReturnedMessages } from './returned-messages.js';

/** What settling a confirm needs to know of its `Publisher`, read only off the common path. */
export interface SettlementContext {
  /** True once the publisher closed: an interrupted publish then fails instead of waiting. */
  isClosed(): boolean;
  /** The publishing channel's last error, which tells why a confirm never came. */
  lastChannelError(): Error | undefined;
  /** The broker nacked `publish` on `channel`: the publisher writes it again until its deadline. */
  nacked(publish: PendingPublish<PublishRequest>, channel: ConfirmChannel): void;
}

/**
 * How each publish of a `Publisher` ends: its confirm read with the `basic.return` of the same channel
 * (succeed, fail, wait to be written again on the next channel, or, nacked, go back to the publisher),
 * the publish settled exactly once, and the observer (the metrics) told. Keeps the returns and the count of publishes sent again.
 */
export class PublishSettlement {
  /** The publisher's context, so that its log lines keep the name they always had. */
  private readonly logger = new Logger('Publisher');
  private readonly returned = new ReturnedMessages();
  private observer: PublishObserver | null = null;
  private republishedCount = 0;
  /** Publishes interrupted by the current channel close, for one summary log line. */
  private interrupted = 0;

  constructor(
    private readonly pending: PendingPublishes<PublishRequest>,
    private readonly publishTimeoutMs: number,
    private readonly context: SettlementContext,
  ) {}

  /** Publishes written again after their channel closed before the confirm, since the start. */
  get republished(): number {
    return this.republishedCount;
  }

  /** Tells `observer` how each publish ends from now on (the metrics); null stops it. */
  observe(observer: PublishObserver | null): void {
    this.observer = observer;
  }

  /** A `basic.return` on the publishing channel: its confirm, which follows, reads it. */
  recordReturn(msg: Message): void {
    this.returned.record(msg);
  }

  /** A new publishing channel is open: says how many publishes go again, and forgets old returns. */
  channelOpened(): void {
    if (this.interrupted > 0) {
      this.logger.warn(
        `Publishing ${this.interrupted} message(s) again with the same ids: their channel closed ` +
          'before the broker confirmed them (a worker may see such a task twice, never zero times)',
      );
      this.interrupted = 0;
    }
    // Returns are read by the confirms of their own channel, which all came before it closed.
    this.returned.clear();
  }

  /** A publish refused before it started (see `admissionRefusal`): only the observer hears of it. */
  refused(err: Error): void {
    this.observer?.failed(failureKind(err));
  }

  /** amqplib's confirm callback: `null` for an ack, an Error for a nack or a channel that closed. */
  confirmed(publish: PendingPublish<PublishRequest>, channel: ConfirmChannel, err: unknown): void {
    // A confirm for an earlier write of a publish since written again on a newer channel is stale.
    if (publish.channel !== channel) return;
    const { request } = publish;
    if (publish.settled) {
      // Timed out before its confirm: drop its return too, or a routed copy sent again with the same id
      // would read it and reject as unroutable.
      this.returned.take(publish.exchange, publish.routingKey, request.message.properties);
      return;
    }
    const returnReason = this.returned.take(
      publish.exchange,
      publish.routingKey,
      request.message.properties,
    );
    // The common case, an ack of a message nobody returned, settles without building the facts object:
    // this runs once per publish.
    if ((err === null || err === undefined) && returnReason === undefined) {
      this.succeed(publish);
      return;
    }
    const outcome = confirmOutcome({
      err,
      returnReason,
      lastChannelError: this.context.lastChannelError(),
      contentLength: request.message.content.length,
    });
    if (outcome.kind === 'interrupted') {
      // The message may or may not have reached the broker: write it again on the next channel.
      if (this.context.isClosed()) {
        this.fail(publish, closedError(request));
        return;
      }
      this.republishedCount++;
      this.interrupted++;
      publish.channel = undefined;
      this.pending.wait(publish);
      return;
    }
    if (outcome.kind === 'nacked' && !this.context.isClosed()) {
      this.context.nacked(publish, channel);
      return;
    }
    const failure = confirmFailure(outcome, request, publish, err);
    if (failure) this.fail(publish, failure);
    else this.succeed(publish);
  }

  /** Rejects the publish with `err`, unless it is already settled. */
  fail(publish: PendingPublish<PublishRequest>, err: Error): void {
    if (!this.pending.settle(publish)) return;
    this.observer?.failed(failureKind(err));
    publish.reject(err);
  }

  private succeed(publish: PendingPublish<PublishRequest>): void {
    if (!this.pending.settle(publish)) return;
    // The start is the deadline less the timeout: no clock read is stored per publish for this.
    this.observer?.confirmed((Date.now() - publish.deadline + this.publishTimeoutMs) / 1000);
    publish.resolve();
  }
}
