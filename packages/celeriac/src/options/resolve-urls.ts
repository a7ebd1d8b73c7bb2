import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import { isArray } from './option-checks.js';

const SCHEMES: readonly string[] = ['amqp:', 'amqps:'];

/**
 * Checks the `url` option (one URL or several for failover) and returns the URLs as written. Error messages
 * show URLs with their password redacted.
 *
 * @param value - `url` after its default was applied
 * @throws InvalidOptionsError naming `url` or `url[i]`
 */
export function resolveUrls(value: unknown): readonly string[] {
  if (typeof value === 'string') return Object.freeze([checkUrl('url', value)]);
  if (!isArray(value)) {
    throw new InvalidOptionsError(
      'url',
      `must be an amqp:// or amqps:// URL or an array of them, got ${describeValue(value)}`,
    );
  }
  if (value.length === 0) {
    throw new InvalidOptionsError('url', 'must name at least one broker, got an empty array');
  }
  return Object.freeze(value.map((url, i) => checkUrl(`url[${i}]`, url)));
}

function checkUrl(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionsError(
      field,
      `must be a non-empty amqp:// or amqps:// URL, got ${describeValue(value)}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // No `cause`: Node's TypeError keeps the raw input, password included, in `input`.
    throw new InvalidOptionsError(
      field,
      `is not a valid URL (percent-encode reserved characters in the user, password and vhost), got ${describeValue(value)}`,
    );
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    throw new InvalidOptionsError(
      field,
      `must use the amqp:// or amqps:// scheme, got ${describeValue(value)}`,
    );
  }
  // `amqp:host` parses as a URL with a path and no host at all.
  if (!value.slice(parsed.protocol.length).startsWith('//')) {
    throw new InvalidOptionsError(
      field,
      `must start with amqp:// or amqps://, got ${describeValue(value)}`,
    );
  }
  return value;
}
