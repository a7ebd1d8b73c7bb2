import type { OutgoingMessage, OutgoingProperties } from './amqp-message.js';

/**
 * A message with a JSON body, labelled as Celery and kombu label theirs (`application/json`, `utf-8`), for
 * the messages that are plain JSON: revocation records and Celery remote-control commands and replies.
 */
export function jsonMessage(
  body: unknown,
  properties: Omit<OutgoingProperties, 'contentType' | 'contentEncoding'>,
): OutgoingMessage {
  return {
    content: Buffer.from(JSON.stringify(body), 'utf8'),
    properties: { contentType: 'application/json', contentEncoding: 'utf-8', ...properties },
  };
}
