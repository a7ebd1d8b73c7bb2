import type { Channel } from 'amqplib';
import type { Publisher } from '../transport/publisher.js';
import type { PublishTarget } from '../transport/publish-request.js';
import type { OutgoingMessage } from '../message/amqp-message.js';
import { destinationHeaders } from './delay-headers.js';
import { planDelay, type DelayPlan } from './delay-plan.js';
import { assertDelayTopology, DELAY_LEVELS, delayNames } from './delay-topology.js';

/** Where a delayed message is delivered when it is due. */
export interface DelayDestination {
  readonly exchange: string;
  readonly routingKey: string;
}

/**
 * Puts messages with an eta into the delay cascade, confirmed like any publish. Used by clients for
 * `countdown`/`eta`, and by workers for retries and for tasks that arrive long before their eta (a
 * Python client puts the eta in the header and publishes straight to the queue).
 */
export class DelayScheduler {
  private declared: Promise<void> | undefined;

  constructor(
    private readonly publisher: Publisher,
    private readonly prefix: string,
  ) {}

  /**
   * Publishes `message` for delivery to `destination` at `etaMs`. Returns false, publishing nothing,
   * when the eta is close enough for the receiving worker to hold the task itself.
   *
   * @throws RangeError when the eta is beyond what the cascade can carry (about 8.5 years)
   */
  async schedule(
    message: OutgoingMessage,
    destination: DelayDestination,
    etaMs: number,
    what: string,
  ): Promise<boolean> {
    const plan = planDelay(etaMs, Date.now(), this.prefix);
    if (plan.kind === 'direct') return false;
    await this.declare();
    const delayed: OutgoingMessage = {
      content: message.content,
      properties: {
        ...withoutExpiration(message.properties),
        headers: {
          ...message.properties.headers,
          ...destinationHeaders(destination.exchange, destination.routingKey),
        },
      },
    };
    const first = this.targetOf(plan);
    await this.publisher.publish({
      ...first,
      message: delayed,
      mandatory: true,
      what,
      // Planned again when written: a publish that waited for a connection must not add its wait to
      // the delay (the cascade counts from when the broker has the message).
      target: () => this.targetOf(planDelay(etaMs, Date.now(), this.prefix)),
    });
    return true;
  }

  /** Where a plan publishes; a task due by now goes to the ready queue, whose forwarder sends it on at once. */
  private targetOf(plan: DelayPlan): PublishTarget {
    switch (plan.kind) {
      case 'cascade':
        return { exchange: plan.exchange, routingKey: plan.routingKey };
      case 'ready':
        return { exchange: '', routingKey: plan.queue };
      case 'direct':
        return { exchange: '', routingKey: delayNames(this.prefix).ready };
    }
  }

  /**
   * Declares the cascade on the publishing channel, once per process and again after every reconnect.
   * Memoized as a promise: concurrent first sends must all wait for the same declaration, or one of them
   * publishes to a level exchange that does not exist yet (a 404 closes the shared channel).
   */
  private declare(): Promise<void> {
    this.declared ??= (async () => {
      await this.publisher.ensureTopology(`delay:${this.prefix}`, (channel: Channel) =>
        assertDelayTopology(channel, this.prefix),
      );
      const names = delayNames(this.prefix);
      for (let k = 0; k < DELAY_LEVELS; k++) this.publisher.markExchangeKnown(names.level(k));
    })().catch((err: unknown) => {
      this.declared = undefined;
      throw err;
    });
    return this.declared;
  }
}

/** A per-message TTL would fire inside a delay queue long before the task is due; `expires` still guards it. */
function withoutExpiration(
  properties: OutgoingMessage['properties'],
): OutgoingMessage['properties'] {
  const { expiration, ...rest } = properties;
  return rest;
}
