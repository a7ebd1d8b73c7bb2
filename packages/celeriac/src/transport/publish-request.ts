import type { Channel } from 'amqplib';
import type { OutgoingMessage } from '../message/amqp-message.js';

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
  /**
   * Where to publish, decided each time the message is written rather than when `publish()` was called:
   * a delayed message's level in the delay cascade depends on how long is left, and a publish may first
   * wait for a connection. Its exchange must be one `exchange` names or one marked known.
   */
  readonly target?: () => PublishTarget;
}

/** An exchange and a routing key. */
export interface PublishTarget {
  readonly exchange: string;
  readonly routingKey: string;
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
  /**
   * Publishes held in memory: the pending ones, and settled ones not yet dropped from the queue of those
   * waiting to be written. At most `2 × maxPending + 32`.
   */
  readonly retained: number;
  /** Message bytes held by `retained`. */
  readonly retainedBytes: number;
}

/**
 * Told how each publish ended (the metrics). Called on the publish path: it must be cheap and not throw.
 * Without one the publisher makes no call.
 */
export interface PublishObserver {
  /** The broker confirmed a publish `seconds` after `publish()` was called. */
  confirmed(seconds: number): void;
  /**
   * A publish failed: `timeout` when no confirm came within `publishTimeoutMs`; `refused` when the broker
   * or the publisher refused it (unroutable, nacked, too large, backlog full); `closed` when the publisher
   * closed first.
   */
  failed(why: 'timeout' | 'refused' | 'closed'): void;
}
