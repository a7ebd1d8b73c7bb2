/**
 * Numbers in AMQP header tables, typed explicitly (celery-protocol.md §3 "AMQP field types", §14.2).
 *
 * amqplib picks an integer's field type by size: `b` for -128..127, `s` for 16 bits, then `I`, then `l`.
 * py-amqp 5.1.1 reads `s` as a short *string* (so `timelimit: [300, 60]` arrives as `[",", 60]`, and
 * larger values corrupt the rest of the table) and `b` as unsigned. Python itself writes `I` for every
 * integer within 32 bits, so we force that with amqplib's `{ '!': 'int32', value }` notation.
 *
 * Outside 32 bits: non-negative integers go out as int64 (`l`, which py-amqp reads as unsigned 64-bit,
 * right for them). Negative ones below -2^31 go out as a double: as `l` py-amqp would read them as huge
 * positive numbers, and a double keeps their exact value up to 2^53. Fractions and non-finite numbers are
 * typed as doubles too, because amqplib would otherwise try to write some of them as integers and throw.
 */

import type { TypedHeaderValue } from './amqp-message.js';
import { formatCeleryDate } from './celery-date.js';

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const INT64_LIMIT = 2 ** 63;

/** A number as an explicitly typed header value: `I` within 32 bits, see the module comment otherwise. */
export function typedNumber(value: number): TypedHeaderValue {
  if (Number.isInteger(value)) {
    if (value >= INT32_MIN && value <= INT32_MAX) {
      return { '!': 'int32', value };
    }
    if (value > 0 && value < INT64_LIMIT) {
      return { '!': 'int64', value };
    }
  }
  return { '!': 'float64', value };
}

/** True for a value already in amqplib's `{ '!': type, value }` form; we pass those through untouched. */
export function isTypedValue(
  value: unknown,
): value is { readonly '!': string; readonly value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, '!') &&
    Object.hasOwn(value, 'value') &&
    typeof (value as { '!': unknown })['!'] === 'string'
  );
}

/**
 * Converts a custom header value for amqplib, recursively through arrays and objects: numbers typed as
 * above, Dates as Celery ISO strings, `undefined` array entries as null (amqplib cannot encode undefined
 * inside an array; in a table it skips the key, so we drop it). Buffers and already typed values pass
 * through. Throws a TypeError for values an AMQP table cannot hold (symbols, functions, unsafe BigInts).
 */
export function toHeaderValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return typedNumber(value);
    case 'bigint':
      if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new TypeError(
          `BigInt header value ${value.toString()} is beyond 2^53 and would lose precision`,
        );
      }
      return typedNumber(Number(value));
    case 'undefined':
      return null;
    case 'object':
      if (value === null || Buffer.isBuffer(value) || isTypedValue(value)) {
        return value;
      }
      if (value instanceof Date) {
        return formatCeleryDate(value);
      }
      if (Array.isArray(value)) {
        return value.map((item: unknown) => toHeaderValue(item));
      }
      return toAmqpHeaders(value as Readonly<Record<string, unknown>>);
    default:
      throw new TypeError(`A ${typeof value} cannot be sent as an AMQP header value`);
  }
}

/** Converts every value of a header table with `toHeaderValue`; keys whose value is undefined are dropped. */
export function toAmqpHeaders(table: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // fromEntries defines own properties, so a key named "__proto__" stays a plain key.
  return Object.fromEntries(
    Object.entries(table)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, toHeaderValue(v)]),
  );
}
