import { Logger } from '@nestjs/common';
import { errorMessage } from '../errors/error-text.js';
import type { Publisher } from '../transport/publisher.js';
import { type CeleryEvent, EVENT_EXCHANGE, utcOffsetHours } from './celery-event.js';
import { encodeEvents } from './event-codec.js';
import type { TaskEventFields } from './task-event-fields.js';

/** What the dispatcher needs of the process's `Publisher`. */
export type EventPublisher = Pick<Publisher, 'publish' | 'ensureTopology' | 'markExchangeKnown'>;

/** Most task events in one `task.multi` message. */
const MAX_BATCH = 100;

/**
 * Sends Celery events on the `celeryev` exchange from one node (a worker, or a client's `task-sent`).
 * Worker events go out at once; task events are buffered and published together under `task.multi` once
 * per turn of the event loop, as a Celery worker batches them, so a busy worker publishes one message per
 * turn rather than three per task. Best effort, like Celery's: a failed publish is logged, never thrown,
 * and never holds up a task.
 */
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly pid = process.pid;
  private readonly utcoffset = utcOffsetHours();
  private clock = 0;
  private buffer: CeleryEvent[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private declared: Promise<void> | undefined;
  private failing = false;
  /** Publishes not yet confirmed or dropped, which `close()` waits for. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly publisher: EventPublisher,
    readonly hostname: string,
  ) {}

  /** The node's Lamport clock: the number of events it has sent. */
  get clockValue(): number {
    return this.clock;
  }

  /** Publishes one event now; resolves once it is confirmed or dropped (never rejects). */
  send(type: string, fields: TaskEventFields): Promise<void> {
    return this.publish([this.event(type, fields)]);
  }

  /** Adds a task event to the batch published at the end of this turn of the event loop. */
  sendBuffered(type: string, fields: TaskEventFields): void {
    this.buffer.push(this.event(type, fields));
    if (this.buffer.length >= MAX_BATCH) this.flush();
    else this.flushing ??= setImmediate(this.flush);
  }

  /** Publishes what is buffered now (on close, so the last task events are not lost). */
  readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    void this.publish(events);
  };

  /** Publishes what is buffered and waits for every event sent so far to be confirmed or dropped. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  private event(type: string, fields: TaskEventFields): CeleryEvent {
    // Celery's field order: who and when first, the type last.
    return {
      hostname: this.hostname,
      utcoffset: this.utcoffset,
      pid: this.pid,
      clock: ++this.clock,
      ...fields,
      timestamp: Date.now() / 1000,
      type,
    };
  }

  private publish(events: readonly CeleryEvent[]): Promise<void> {
    const { routingKey, message } = encodeEvents(events, this.hostname);
    const sent: Promise<void> = this.declare()
      .then(() =>
        this.publisher.publish({
          exchange: EVENT_EXCHANGE,
          routingKey,
          message,
          mandatory: false,
          what: `Celery event ${routingKey}`,
        }),
      )
      .then(
        () => {
          if (this.failing) this.logger.log('Sending Celery events again');
          this.failing = false;
        },
        (err: unknown) => {
          // Once per outage: a worker whose broker is away would otherwise log every 2 s.
          if (!this.failing) {
            this.logger.warn(`Could not send Celery events (dropped): ${errorMessage(err)}`);
          }
          this.failing = true;
        },
      )
      .finally(() => {
        this.inFlight.delete(sent);
      });
    this.inFlight.add(sent);
    return sent;
  }

  /** Declares `celeryev` as Celery does (topic, durable) once, and again after every reconnect. */
  private declare(): Promise<void> {
    this.declared ??= this.publisher
      .ensureTopology(EVENT_EXCHANGE, async (channel) => {
        await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
      })
      .then(() => {
        this.publisher.markExchangeKnown(EVENT_EXCHANGE);
      })
      .catch((err: unknown) => {
        this.declared = undefined;
        throw err;
      });
    return this.declared;
  }
}
