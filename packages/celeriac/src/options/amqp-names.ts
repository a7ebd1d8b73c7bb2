/**
 * Checks of queue names, exchange names and routing keys against what RabbitMQ accepts, so that a bad name
 * fails at boot with the option that holds it, not as a channel error on the first publish.
 */
import { MAX_NAME_BYTES, RESERVED_NAME_PREFIX } from './queue-declarations.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';

/**
 * Checks a queue name: a non-empty string of at most 255 UTF-8 bytes, not starting with `amq.`.
 * @throws InvalidOptionsError naming `field`
 */
export function checkQueueName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionsError(
      field,
      `must be a non-empty queue name, got ${describeValue(value)}`,
    );
  }
  checkLength(field, value);
  if (value.startsWith(RESERVED_NAME_PREFIX)) {
    throw new InvalidOptionsError(
      field,
      `must not start with "${RESERVED_NAME_PREFIX}", which RabbitMQ reserves, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Checks an exchange name: a string of at most 255 UTF-8 bytes. `''` is the default exchange. Names starting
 * with `amq.` are allowed because binding to the built-in `amq.topic` and friends is common; whether such an
 * exchange exists is for the caller (or the broker) to say.
 * @throws InvalidOptionsError naming `field`
 */
export function checkExchangeName(field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidOptionsError(field, `must be an exchange name, got ${describeValue(value)}`);
  }
  checkLength(field, value);
  return value;
}

/**
 * Checks a routing or binding key: a string of at most 255 UTF-8 bytes (it may be empty).
 * @throws InvalidOptionsError naming `field`
 */
export function checkRoutingKey(field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidOptionsError(
      field,
      `must be a routing key string, got ${describeValue(value)}`,
    );
  }
  checkLength(field, value);
  return value;
}

function checkLength(field: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    throw new InvalidOptionsError(
      field,
      `must be at most ${MAX_NAME_BYTES} bytes of UTF-8 (an AMQP short string), got ${bytes} bytes: ${describeValue(value)}`,
    );
  }
}
