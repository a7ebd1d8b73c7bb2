/**
 * Checks of single option values. Each takes `unknown`, because options often come from JSON or environment
 * variables whatever their TypeScript type says, and throws `InvalidOptionsError` naming the field and the value.
 */
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';

/** An object literal (or `Object.create(null)`): not an array, a Map or a class instance. */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `Array.isArray` without the `any[]` it narrows to. */
export function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** @throws InvalidOptionsError unless `value` is an integer from `min` to `max`. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(
      field,
      `must be an integer from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** @throws InvalidOptionsError unless `value` is a boolean. */
export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidOptionsError(field, `must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

/** @throws InvalidOptionsError unless `value` is a non-empty string. */
export function checkNonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionsError(field, `must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/** @throws InvalidOptionsError unless `value` is a plain object (`what` says what it should hold). */
export function checkPlainObject(
  field: string,
  value: unknown,
  what = 'a plain object',
): Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) {
    throw new InvalidOptionsError(field, `must be ${what}, got ${describeValue(value)}`);
  }
  return value;
}

/** @throws InvalidOptionsError unless `value` is an array (`what` says what it should hold). */
export function checkArray(field: string, value: unknown, what: string): readonly unknown[] {
  if (!isArray(value)) {
    throw new InvalidOptionsError(field, `must be ${what}, got ${describeValue(value)}`);
  }
  return value;
}
