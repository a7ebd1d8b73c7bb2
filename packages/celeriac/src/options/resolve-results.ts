import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import { redactUrl } from '../errors/redact-url.js';
import { checkBoolean, checkInteger } from './option-checks.js';
import { MAX_TIMER_MS } from './resolve-worker.js';
import {
  type ResolvedResultBackend,
  type ResolvedResultOptions,
  TASK_QUEUE_DEFAULTS,
  type TaskQueueOptions,
} from './task-queue-options.js';

/** Ten years: anything longer is a mistake, and Redis takes expiries as 32-bit seconds in places. */
const MAX_RESULT_EXPIRES_S = 315_360_000;
const MAX_TRACKED_RESULTS = 10_000_000;

/**
 * Checks the result options: the backend URL (`rpc://`, `redis://` or `rediss://`), expiry, extended
 * results, the rpc tracking bound and the default `get()` timeout.
 *
 * @throws InvalidOptionsError naming the bad field
 */
export function resolveResults(input: TaskQueueOptions): ResolvedResultOptions {
  return Object.freeze({
    backend: resolveBackend(input.resultBackend ?? TASK_QUEUE_DEFAULTS.resultBackend),
    expires: checkInteger(
      'resultExpires',
      input.resultExpires ?? TASK_QUEUE_DEFAULTS.resultExpires,
      0,
      MAX_RESULT_EXPIRES_S,
    ),
    extended: checkBoolean(
      'resultExtended',
      input.resultExtended ?? TASK_QUEUE_DEFAULTS.resultExtended,
    ),
    maxTracked: checkInteger(
      'maxTrackedResults',
      input.maxTrackedResults ?? TASK_QUEUE_DEFAULTS.maxTrackedResults,
      1,
      MAX_TRACKED_RESULTS,
    ),
    timeoutMs: checkInteger(
      'resultTimeoutMs',
      input.resultTimeoutMs ?? TASK_QUEUE_DEFAULTS.resultTimeoutMs,
      0,
      MAX_TIMER_MS,
    ),
  });
}

function resolveBackend(value: unknown): ResolvedResultBackend {
  if (value === 'rpc://' || value === 'rpc') return Object.freeze({ kind: 'rpc' });
  if (typeof value === 'string' && /^rediss?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      // No `cause`: Node's TypeError keeps the raw input, password included.
      throw new InvalidOptionsError(
        'resultBackend',
        `is not a valid URL: ${describeValue(redactUrl(value))}`,
      );
    }
    return Object.freeze({ kind: 'redis', url: value });
  }
  throw new InvalidOptionsError(
    'resultBackend',
    `must be 'rpc://' or a redis:// or rediss:// URL, got ${describeValue(typeof value === 'string' ? redactUrl(value) : value)}`,
  );
}
