import { checkKnownKeys } from './known-keys.js';
import { checkBoolean, checkPlainObject } from './option-checks.js';
import type { EventOptions, ResolvedEventOptions } from './task-queue-options.js';

const EVENT_KEYS = {
  workerEvents: true,
  taskEvents: true,
  taskSent: true,
} as const satisfies Record<keyof EventOptions, true>;

/**
 * Checks the `events` option and applies Celery's defaults: worker events on, task events and `task-sent`
 * off.
 *
 * @param value - `events` after its default (`{}`) was applied
 * @throws InvalidOptionsError naming the field, e.g. `events.taskEvents`
 */
export function resolveEvents(value: unknown): ResolvedEventOptions {
  const input = checkPlainObject('events', value, 'an object of event options');
  checkKnownKeys('events', input, Object.keys(EVENT_KEYS));
  return Object.freeze({
    workerEvents: checkBoolean('events.workerEvents', input['workerEvents'] ?? true),
    taskEvents: checkBoolean('events.taskEvents', input['taskEvents'] ?? false),
    taskSent: checkBoolean('events.taskSent', input['taskSent'] ?? false),
  });
}
