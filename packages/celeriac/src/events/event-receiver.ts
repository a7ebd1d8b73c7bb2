import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { type CeleryEvent, EVENT_EXCHANGE } from './celery-event.js';
import { decodeEvents } from './event-codec.js';

export interface EventReceiverOptions {
  /**
   * Which events, as a topic binding key on `celeryev`: `'#'` for all, `'task.#'`, `'worker.#'`.
   * @defaultValue `'#'`
   */
  readonly routingKey?: string;
}

/** A running subscription; `close()` removes its queue. */
export interface EventSubscription {
  close(): Promise<void>;
  /** Resolves when the subscription ends: closed, or its channel lost (a reconnect needs a new one). */
  readonly ended: Promise<void>;
}

/**
 * Follows Celery events as `celery events` does: a queue of its own on `celeryev`, deleted when it goes,
 * whose messages expire after 5 s (a monitor wants what happens now, not a backlog). Batches
 * (`task.multi`) arrive as one call per event. Python and Celeriac workers' events alike.
 */
export async function receiveEvents(
  connection: ChannelModel,
  onEvent: (event: CeleryEvent) => void,
  options: EventReceiverOptions = {},
): Promise<EventSubscription> {
  const channel = await connection.createChannel();
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  channel.on('error', () => undefined);
  channel.on('close', () => {
    end();
  });
  await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
  const queue = `celeriac.events.${randomUUID()}`;
  await channel.assertQueue(queue, {
    durable: false,
    exclusive: true,
    autoDelete: true,
    arguments: { 'x-message-ttl': 5_000, 'x-expires': 60_000 },
  });
  await channel.bindQueue(queue, EVENT_EXCHANGE, options.routingKey ?? '#');
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      for (const event of decodeEvents(message.content)) onEvent(event);
    },
    { noAck: true },
  );
  return {
    ended,
    close: async () => {
      await channel.close().catch(() => undefined);
      end();
    },
  };
}
