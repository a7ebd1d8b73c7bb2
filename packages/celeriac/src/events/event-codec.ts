import type { OutgoingMessage } from '../message/amqp-message.js';
import { jsonMessage } from '../message/json-message.js';
import { parseJsonPayload } from '../message/json-payload.js';
import { BATCH_ROUTING_KEY, type CeleryEvent, eventRoutingKey } from './celery-event.js';

/** Largest event message read; a batch of task events with 1 KiB reprs stays far below it. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** An event message ready to publish on `celeryev`. */
export interface EncodedEvents {
  readonly routingKey: string;
  readonly message: OutgoingMessage;
}

/**
 * One event as Celery publishes it: a JSON object under the routing key of its type; or several task
 * events as one JSON array under `task.multi`, as a Celery worker batches them. Transient
 * (`delivery_mode` 1), with the sender's node name in a `hostname` header
 * (fixtures/celery-5.2.6/event_*.json).
 */
export function encodeEvents(events: readonly CeleryEvent[], hostname: string): EncodedEvents {
  const single = events.length === 1 ? events[0] : undefined;
  return {
    routingKey: single ? eventRoutingKey(single.type) : BATCH_ROUTING_KEY,
    message: jsonMessage(single ?? events, { deliveryMode: 1, priority: 0, headers: { hostname } }),
  };
}

/**
 * The events of one message from `celeryev`: a single event or a batch. Anything without a string `type`
 * and `hostname` is dropped: a monitor must not choke on a stray message.
 */
export function decodeEvents(content: Buffer): CeleryEvent[] {
  const parsed = parseJsonPayload(content, { maxPayloadBytes: MAX_EVENT_BYTES });
  if (!parsed.ok) return [];
  const items: unknown[] = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  return items.filter(isEvent);
}

function isEvent(value: unknown): value is CeleryEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record['type'] === 'string' && typeof record['hostname'] === 'string';
}
