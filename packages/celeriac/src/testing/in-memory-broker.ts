import type { ConsumeMessage } from 'amqplib';
import { UnroutableError } from '../errors/unroutable.error.js';
import type { IncomingMessage } from '../message/amqp-message.js';
import { deadLetterQueueName } from '../options/queue-declarations.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';
import type { PublishRequest } from '../transport/publish-request.js';

/** One message a queue holds, as a consumer would receive it. */
export interface QueuedMessage {
  readonly queue: string;
  readonly message: ConsumeMessage;
}

/**
 * RabbitMQ's part, in memory: queues, and the exchange routing that puts a published message in them
 * (the default exchange by queue name; a configured queue's exchange by its binding keys). Everything
 * Celeriac decides (routes, encoding, retries, replies, dead letters) is the library's own code calling
 * `publish()` here, as it would call the real broker.
 */
export class InMemoryBroker {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly listeners = new Map<string, (message: IncomingMessage) => void>();
  private deliveryTag = 0;

  constructor(private readonly configured: ReadonlyMap<string, ResolvedQueue>) {}

  /** Consumes a queue at once, as the result backend consumes its reply queue. */
  listen(queue: string, onMessage: (message: IncomingMessage) => void): void {
    this.listeners.set(queue, onMessage);
  }

  /** @throws UnroutableError when no queue takes the message, as a mandatory publish is returned */
  publish(request: PublishRequest): void {
    const { exchange, routingKey } = request.target?.() ?? request;
    const targets = this.route(exchange, routingKey);
    if (targets.length === 0) {
      if (!request.mandatory) return;
      throw new UnroutableError(exchange, routingKey, 'no queue is bound for it');
    }
    for (const queue of targets) {
      const message = this.received(request, exchange, routingKey);
      const listener = this.listeners.get(queue);
      if (listener) listener(message);
      else this.held(queue).push({ queue, message });
    }
  }

  /** What a queue holds now, oldest first. */
  messages(queue: string): readonly QueuedMessage[] {
    return this.queues.get(queue) ?? [];
  }

  /** Every queue's messages, oldest first within each queue. */
  all(): readonly QueuedMessage[] {
    return [...this.queues.values()].flat();
  }

  /** Takes a message off its queue (a consumer received it). */
  take(entry: QueuedMessage): void {
    const held = this.queues.get(entry.queue);
    const index = held?.indexOf(entry) ?? -1;
    if (held && index >= 0) held.splice(index, 1);
  }

  /** Puts a message back at the head of its queue (a requeue), marked redelivered. */
  requeue(entry: QueuedMessage): void {
    const message = { ...entry.message, fields: { ...entry.message.fields, redelivered: true } };
    this.held(entry.queue).unshift({ queue: entry.queue, message });
  }

  private route(exchange: string, routingKey: string): string[] {
    if (exchange === '') return this.exists(routingKey) ? [routingKey] : [];
    const targets: string[] = [];
    for (const queue of this.configured.values()) {
      if (queue.exchange !== exchange) continue;
      const keys = queue.bindingKeys.length > 0 ? queue.bindingKeys : [queue.name];
      const bound =
        queue.exchangeType === 'fanout' ||
        keys.some((key) =>
          queue.exchangeType === 'topic' ? topicMatches(key, routingKey) : key === routingKey,
        );
      if (bound) targets.push(queue.name);
    }
    return targets;
  }

  private exists(queue: string): boolean {
    if (this.configured.has(queue) || this.queues.has(queue) || this.listeners.has(queue))
      return true;
    // The worker declares each consumed queue's dead-letter queue.
    return [...this.configured.keys()].some((name) => deadLetterQueueName(name) === queue);
  }

  private held(queue: string): QueuedMessage[] {
    let held = this.queues.get(queue);
    if (!held) {
      held = [];
      this.queues.set(queue, held);
    }
    return held;
  }

  /** The delivery a consumer would see: the published bytes and properties, and where they came from. */
  private received(request: PublishRequest, exchange: string, routingKey: string): ConsumeMessage {
    this.deliveryTag += 1;
    return {
      content: request.message.content,
      properties: { ...request.message.properties },
      fields: {
        deliveryTag: this.deliveryTag,
        redelivered: false,
        exchange,
        routingKey,
        consumerTag: 'celeriac-testing',
      },
    } as unknown as ConsumeMessage;
  }
}

/** RabbitMQ's topic match: words split by dots, `*` one word, `#` zero or more. */
function topicMatches(pattern: string, key: string): boolean {
  const match = (p: readonly string[], k: readonly string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}
