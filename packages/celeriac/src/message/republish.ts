import type { IncomingMessage, OutgoingMessage } from './amqp-message.js';
import { toAmqpHeaders } from './header-values.js';

/**
 * A delivered message made ready to publish again (to the delay cascade, a dead-letter queue, its
 * destination): the body byte for byte, the properties that matter kept, integer headers re-typed as
 * 32-bit so a Python worker can still read them, persistent. `expiration` is dropped on purpose: a
 * per-message TTL would fire inside the delay queues; the `expires` header still guards the task.
 */
export function republishable(
  message: IncomingMessage,
  headers: Readonly<Record<string, unknown>> = message.properties.headers ?? {},
): OutgoingMessage {
  const p = message.properties;
  const properties: OutgoingMessage['properties'] = {
    contentType: p.contentType ?? 'application/octet-stream',
    contentEncoding: p.contentEncoding ?? 'binary',
    headers: toAmqpHeaders(headers),
    deliveryMode: 2,
  };
  if (p.correlationId !== undefined) properties.correlationId = p.correlationId;
  if (p.replyTo !== undefined) properties.replyTo = p.replyTo;
  if (p.priority !== undefined) properties.priority = p.priority;
  return { content: message.content, properties };
}
