import { Logger } from '@nestjs/common';
import type { BrokerConnection } from '../transport/broker-connection.js';
import type { Publisher } from '../transport/publisher.js';
import { errorMessage } from '../errors/error-text.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { parseCeleryDate } from '../message/celery-date.js';
import { republishable } from '../message/republish.js';
import { QueueConsumer, type Delivery } from '../transport/queue-consumer.js';
import { TaskReporter } from '../results/task-reporter.js';
import { readDestination, withoutDelayHeaders } from './delay-headers.js';
import { DELAY_LEAD_MS } from './delay-plan.js';
import type { DelayScheduler } from './delay-scheduler.js';
import { readyQueue } from './delay-topology.js';

/**
 * Forwarded this long before the eta: the receiving worker's timer covers the publish hop, so the task
 * starts at its eta instead of a hop late.
 */
export const FORWARD_EARLY_MS = 25;

/** A message this far from its eta did not come out of the cascade on time (clock skew): send it back in. */
const REDELAY_BEYOND_MS = DELAY_LEAD_MS + 4_000;

/** Messages a forwarder may hold at once; each is held for about a second at most. */
const FORWARDER_PREFETCH = 1_000;

/**
 * Takes messages out of the cascade's ready queue, holds each until just before its eta (never longer
 * than about two seconds), and publishes it to its destination, confirmed, before acking it. One runs in
 * every worker process; a forwarder that stops gives its held messages back for another to fire.
 */
export class DelayForwarder {
  private readonly logger = new Logger(DelayForwarder.name);
  private readonly consumer: QueueConsumer;
  private readonly reporter: TaskReporter;
  private readonly held = new Map<NodeJS.Timeout, Delivery>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    connection: BrokerConnection,
    private readonly publisher: Publisher,
    private readonly scheduler: DelayScheduler,
    prefix: string,
  ) {
    this.reporter = new TaskReporter(publisher);
    this.consumer = new QueueConsumer(
      connection,
      readyQueue(prefix),
      FORWARDER_PREFETCH,
      (delivery) => {
        this.onDelivery(delivery);
      },
    );
  }

  /** Messages held now, waiting for their eta. */
  get heldCount(): number {
    return this.held.size;
  }

  get isConsuming(): boolean {
    return this.consumer.isConsuming;
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  /** Stops intake, gives held messages back to the queue, waits for forwards under way, closes. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.consumer.stopIntake();
    for (const [timer, delivery] of this.held) {
      clearTimeout(timer);
      delivery.requeue();
    }
    this.held.clear();
    await Promise.allSettled([...this.inFlight]);
    await this.consumer.close();
  }

  private onDelivery(delivery: Delivery): void {
    const headers = delivery.message.properties.headers ?? {};
    const destination = readDestination(headers);
    const eta = parseCeleryDate(headers['eta']);
    if (!destination || !eta) {
      this.track(
        this.undeliverable(delivery, 'a delayed message without a valid eta header or destination'),
      );
      return;
    }
    const wait = eta.getTime() - FORWARD_EARLY_MS - Date.now();
    const message = republishable(delivery.message, withoutDelayHeaders(headers));
    if (wait > REDELAY_BEYOND_MS) {
      this.track(this.redelay(delivery, message, destination, eta.getTime()));
      return;
    }
    const timer = setTimeout(
      () => {
        this.held.delete(timer);
        this.track(this.forward(delivery, message, destination));
      },
      Math.max(0, wait),
    );
    this.held.set(timer, delivery);
  }

  private async forward(
    delivery: Delivery,
    message: ReturnType<typeof republishable>,
    destination: { exchange: string; routingKey: string },
  ): Promise<void> {
    if (this.stopping) {
      delivery.requeue();
      return;
    }
    // Its channel closed while we held it (a connection drop): the broker has it back and another
    // forwarder (or we, after reconnecting) will fire it; forwarding this copy too would duplicate it.
    if (delivery.stale) return;
    try {
      await this.publisher.publish({
        exchange: destination.exchange,
        routingKey: destination.routingKey,
        message,
        mandatory: true,
        what: `a delayed task for "${destination.exchange || destination.routingKey}"`,
      });
      delivery.ack();
    } catch (err: unknown) {
      if (err instanceof UnroutableError) {
        await this.undeliverable(delivery, err.message);
        return;
      }
      this.reporter.requeueAfterBrokerError(delivery, 'a delayed task', err);
    }
  }

  private async redelay(
    delivery: Delivery,
    message: ReturnType<typeof republishable>,
    destination: { exchange: string; routingKey: string },
    etaMs: number,
  ): Promise<void> {
    try {
      await this.scheduler.schedule(
        message,
        destination,
        etaMs,
        'a delayed task sent back into the cascade',
      );
      delivery.ack();
    } catch (err: unknown) {
      this.reporter.requeueAfterBrokerError(delivery, 'a delayed task', err);
    }
  }

  private async undeliverable(delivery: Delivery, detail: string): Promise<void> {
    this.logger.warn(`Dead-lettering a delayed message: ${detail}`);
    try {
      await this.reporter.deadLetter(delivery, {
        reason: 'undeliverable-delay',
        detail,
        exception: null,
        retries: 0,
      });
      delivery.ack();
    } catch (err: unknown) {
      this.reporter.requeueAfterBrokerError(delivery, 'a delayed message', err);
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work
      .catch((err: unknown) => {
        this.logger.error(`Unexpected error forwarding a delayed task: ${errorMessage(err)}`);
      })
      .finally(() => this.inFlight.delete(work));
  }
}
