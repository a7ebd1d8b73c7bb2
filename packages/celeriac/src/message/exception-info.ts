/**
 * Exceptions in results (celery-protocol.md §9): from a thrown JS value to Celery's
 * `{exc_type, exc_message, exc_module}` and back.
 *
 * Mapping rule for thrown values (a product decision; keep this comment in step with the code):
 *
 * 1. An object with string `excType` and `excModule` properties names its Python class itself. Its
 *    `excArgs` array, if any, becomes `exc_message`; otherwise `[message]`. Use this to raise a specific
 *    Python exception on the caller's side, e.g. `{ excType: 'KeyError', excModule: 'builtins' }`.
 * 2. Otherwise a JS Error maps by its `name`:
 *    - `Error` (or no usable name) → `Exception` in `builtins`;
 *    - `RangeError` → `ValueError` in `builtins` (Python's nearest equivalent);
 *    - a name that is also a Python builtin exception (`TypeError`, `SyntaxError`, `TimeoutError`, any
 *      name in PYTHON_BUILTIN_EXCEPTIONS) → that name in `builtins`;
 *    - any other name → that name in module `celeriac`. No such module is loaded in Python, so a Python
 *      client creates an exception class with that name (`MyError`), which is what a caller can catch.
 *    `exc_message` is `[err.message]`.
 * 3. Anything else thrown (a string, a plain object, a number) → `Exception` in `builtins` with
 *    `[String(value)]`.
 *
 * The traceback is the JS `stack` when there is one, else null. Python shows it as the remote traceback.
 */

import { types } from 'node:util';

import type { ExceptionInfo } from './result-message.js';

/** The wire shape Celery puts in a result's `result` for FAILURE, RETRY and REVOKED. */
export interface ExceptionWire {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

/** A thrown value, described for a result message. */
export interface ThrownException {
  readonly info: ExceptionInfo;
  readonly traceback: string | null;
}

/** Python builtin exception names that a JS error of the same name maps to (rule 2). */
export const PYTHON_BUILTIN_EXCEPTIONS: ReadonlySet<string> = new Set([
  'ValueError',
  'TypeError',
  'KeyError',
  'IndexError',
  'RuntimeError',
  'ZeroDivisionError',
  'NotImplementedError',
  'AttributeError',
  'LookupError',
  'ArithmeticError',
  'OverflowError',
  'AssertionError',
  'TimeoutError',
  'PermissionError',
  'FileNotFoundError',
  'OSError',
  'Exception',
  'SyntaxError',
]);

/** Module Celeriac's own (JS-only) exception names are reported under. */
export const CELERIAC_EXCEPTION_MODULE = 'celeriac';

const PYTHON_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads a property without letting a throwing getter escape. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** String(value) that cannot throw (e.g. for Object.create(null) or a throwing toString). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

function pythonClassFor(name: unknown): { excType: string; excModule: string } {
  if (typeof name !== 'string' || name === 'Error' || !PYTHON_IDENTIFIER.test(name)) {
    return { excType: 'Exception', excModule: 'builtins' };
  }
  if (name === 'RangeError') {
    return { excType: 'ValueError', excModule: 'builtins' };
  }
  if (PYTHON_BUILTIN_EXCEPTIONS.has(name)) {
    return { excType: name, excModule: 'builtins' };
  }
  return { excType: name, excModule: CELERIAC_EXCEPTION_MODULE };
}

function messageOf(value: object): string {
  const message = read(value, 'message');
  return typeof message === 'string' ? message : safeString(value);
}

function stackOf(value: object): string | null {
  const stack = read(value, 'stack');
  return typeof stack === 'string' ? stack : null;
}

/** Describes a thrown value for a FAILURE or RETRY result, following the mapping rule above. */
export function exceptionToInfo(thrown: unknown): ThrownException {
  if (typeof thrown === 'object' && thrown !== null) {
    const excType = read(thrown, 'excType');
    const excModule = read(thrown, 'excModule');
    if (typeof excType === 'string' && typeof excModule === 'string') {
      const excArgs = read(thrown, 'excArgs');
      const excMessage = Array.isArray(excArgs) ? [...(excArgs as unknown[])] : [messageOf(thrown)];
      return { info: { excType, excModule, excMessage }, traceback: stackOf(thrown) };
    }
    if (isError(thrown)) {
      return {
        info: { ...pythonClassFor(read(thrown, 'name')), excMessage: [messageOf(thrown)] },
        traceback: stackOf(thrown),
      };
    }
  }
  return {
    info: { excType: 'Exception', excModule: 'builtins', excMessage: [safeString(thrown)] },
    traceback: null,
  };
}

/** The wire object for a result's `result` field. */
export function exceptionToWire(info: ExceptionInfo): ExceptionWire {
  return { exc_type: info.excType, exc_message: [...info.excMessage], exc_module: info.excModule };
}

/**
 * Reads an exception from a result's `result` field; null when it does not have the exception shape.
 * `exc_message` may be a list (Celery's normal form) or a plain string (one argument); a missing
 * `exc_module` (very old Celery) is reported as an empty string, meaning "unknown module".
 */
export function exceptionFromWire(value: unknown): ExceptionInfo | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return null;
  }
  const wire = value as Record<string, unknown>;
  const excType = wire['exc_type'];
  const excModule = wire['exc_module'];
  const excMessage = wire['exc_message'];
  if (typeof excType !== 'string' || excType === '') {
    return null;
  }
  if (excModule !== undefined && excModule !== null && typeof excModule !== 'string') {
    return null;
  }
  let args: unknown[];
  if (Array.isArray(excMessage)) {
    args = [...(excMessage as unknown[])];
  } else if (excMessage === undefined || excMessage === null) {
    args = [];
  } else {
    args = [excMessage];
  }
  return { excType, excModule: excModule ?? '', excMessage: args };
}

// Celery's own exceptions live in their own file; re-exported so both entry points offer them.
export {
  invalidTask,
  notRegistered,
  softTimeLimitExceeded,
  taskRevoked,
  timeLimitExceeded,
} from './celery-exceptions.js';
