import { checkKnownKeys } from './known-keys.js';
import { checkInteger, checkPlainObject } from './option-checks.js';
import {
  type DeadLetterOptions,
  type ResolvedDeadLetterOptions,
  TASK_QUEUE_DEFAULTS,
} from './task-queue-options.js';

const DEAD_LETTER_KEYS = {
  maxAgeMs: true,
  maxLength: true,
  warnDepth: true,
  checkIntervalMs: true,
} as const satisfies Record<keyof DeadLetterOptions, true>;

/** `x-message-ttl` is an unsigned 32-bit integer of milliseconds. */
const MAX_TTL_MS = 4_294_967_295;
const MAX_LENGTH = 2_147_483_647;
/** Node's timers overflow above 2^31 − 1 ms and then fire at once. */
const MAX_INTERVAL_MS = 2_147_483_647;
/** A depth check opens a channel; tests use short intervals, production the one-minute default. */
const MIN_INTERVAL_MS = 100;

/**
 * Checks `worker.deadLetters` and applies its defaults; `null` turns a limit off.
 * @throws InvalidOptionsError naming the field, e.g. `worker.deadLetters.maxLength`
 */
export function resolveDeadLetters(value: unknown): ResolvedDeadLetterOptions {
  const input = checkPlainObject('worker.deadLetters', value, 'an object of dead-letter options');
  checkKnownKeys('worker.deadLetters', input, Object.keys(DEAD_LETTER_KEYS));
  const orNull = (
    key: 'maxAgeMs' | 'maxLength' | 'warnDepth',
    fallback: number,
    min: number,
    max: number,
  ): number | null => {
    const given = input[key];
    if (given === null) return null;
    return checkInteger(`worker.deadLetters.${key}`, given ?? fallback, min, max);
  };
  return Object.freeze({
    maxAgeMs: orNull('maxAgeMs', TASK_QUEUE_DEFAULTS.deadLetterMaxAgeMs, 1, MAX_TTL_MS),
    maxLength: orNull('maxLength', TASK_QUEUE_DEFAULTS.deadLetterMaxLength, 1, MAX_LENGTH),
    warnDepth: orNull('warnDepth', TASK_QUEUE_DEFAULTS.deadLetterWarnDepth, 1, MAX_LENGTH),
    checkIntervalMs: checkInteger(
      'worker.deadLetters.checkIntervalMs',
      input['checkIntervalMs'] ?? TASK_QUEUE_DEFAULTS.deadLetterCheckIntervalMs,
      MIN_INTERVAL_MS,
      MAX_INTERVAL_MS,
    ),
  });
}
