import type { Message } from 'amqplib';
import { returnKey, returnReason } from './publish-failures.js';

/**
 * Messages the broker returned (`basic.return`), keyed by exchange, routing key and correlation id, until
 * the confirm of the same message reads them. RabbitMQ sends the return before the ack of the same
 * message on the same channel, so the confirm callback can tell a returned message from a delivered one.
 */
export class ReturnedMessages {
  private readonly reasons = new Map<string, string>();

  get size(): number {
    return this.reasons.size;
  }

  /** Records a `basic.return`. */
  record(msg: Message): void {
    this.reasons.set(
      returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties),
      returnReason(msg),
    );
  }

  /** Forgets every return: the channel they came on is gone. */
  clear(): void {
    this.reasons.clear();
  }

  /** The reason the message published to `exchange`/`routingKey` was returned, forgetting it; else undefined. */
  take(
    exchange: string,
    routingKey: string,
    properties: { correlationId?: string },
  ): string | undefined {
    if (this.reasons.size === 0) return undefined;
    const key = returnKey(exchange, routingKey, properties);
    const reason = this.reasons.get(key);
    if (reason !== undefined) this.reasons.delete(key);
    return reason;
  }
}
