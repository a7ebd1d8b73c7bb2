/**
 * The narrow AMQP shapes the codec works on. They match amqplib's `ConsumeMessage` and
 * `Options.Publish` structurally, so a real delivery can be passed in as it is, and unit tests can build
 * one from a fixture without a broker.
 */

/** AMQP basic properties of a delivery, as amqplib decodes them (absent ones are `undefined`). */
export interface IncomingProperties {
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
  readonly deliveryMode?: number | undefined;
  readonly priority?: number | undefined;
  readonly correlationId?: string | undefined;
  readonly replyTo?: string | undefined;
  readonly expiration?: string | undefined;
}

/** Where the broker says a delivery came from. */
export interface IncomingFields {
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
}

/** One message as delivered by the broker. */
export interface IncomingMessage {
  readonly content: Buffer;
  readonly properties: IncomingProperties;
  readonly fields: IncomingFields;
}

/**
 * An AMQP header value with an explicit field type, in amqplib's `{ '!': type, value }` notation.
 * We use it to force integers to 32-bit (`I`), because amqplib would pick `b` or `s` for small numbers and
 * py-amqp reads `s` as a short string (celery-protocol.md §14.2).
 */
export interface TypedHeaderValue {
  /**
   * `float64` (tag `d`) is for numbers that must not be integers on the wire: fractions, non-finite values,
   * and negative integers below the 32-bit range (py-amqp reads amqplib's 64-bit `l` as unsigned).
   */
  readonly '!': 'int32' | 'int64' | 'float64';
  readonly value: number;
}

/** Publish properties we set; a subset of amqplib's `Options.Publish`. */
export interface OutgoingProperties {
  contentType: string;
  contentEncoding: string;
  headers: Record<string, unknown>;
  deliveryMode?: 1 | 2;
  persistent?: boolean;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  expiration?: string;
  /** amqplib's publish option (not a property on the wire): set by a publisher that wants returns. */
  mandatory?: boolean;
}

/** A message ready to publish: the encoded body and its properties. */
export interface OutgoingMessage {
  readonly content: Buffer;
  readonly properties: OutgoingProperties;
}
