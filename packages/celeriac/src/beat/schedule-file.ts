import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { errorMessage } from '../errors/error-text.js';
import type { ResolvedBeatEntry } from '../options/beat-options.js';
import { isPlainObject } from '../options/option-checks.js';
import { resolveBeatEntry } from '../options/resolve-beat.js';

/** Celery's snake_case names in an entry's `options`, and ours. */
const OPTION_ALIASES: Readonly<Record<string, string>> = { routing_key: 'routingKey' };
/** Celery's snake_case names at the entry level, and ours. */
const ENTRY_ALIASES: Readonly<Record<string, string>> = { max_catch_up: 'maxCatchUp' };

/**
 * Reads a schedule file for `celeriac beat --schedule FILE`: Celery's `beat_schedule` as JSON, name →
 * `{ task, schedule, args, kwargs, options }`, where `schedule` is seconds or a cron string and `options`
 * takes `queue`, `exchange`, `routing_key`, `priority`, `headers` and `expires` (seconds). Entries may also
 * carry Celeriac's `timezone`, `missed` and `maxCatchUp`. The file may instead be `{ "beat_schedule": {...},
 * "timezone": "Europe/Paris" }`, the zone then being the default of every cron entry (Celery's `timezone`).
 *
 * @param source - the file name, for error messages
 * @throws InvalidOptionsError naming the file and the field
 */
export function parseScheduleFile(text: string, source: string): ResolvedBeatEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err: unknown) {
    throw new InvalidOptionsError(source, `is not valid JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed)) {
    throw new InvalidOptionsError(source, 'must hold a JSON object of entries by name');
  }
  const wrapped = isPlainObject(parsed['beat_schedule']);
  const schedule = wrapped
    ? (parsed['beat_schedule'] as Readonly<Record<string, unknown>>)
    : parsed;
  const timezone = wrapped ? parsed['timezone'] : undefined;
  return Object.entries(schedule).map(([name, raw]) => {
    const field = `${source}: ${wrapped ? 'beat_schedule.' : ''}${name}`;
    if (!isPlainObject(raw)) return resolveBeatEntry(name, raw, field);
    const entry: Record<string, unknown> = renameKeys(raw, ENTRY_ALIASES);
    if (isPlainObject(raw['options']))
      entry['options'] = renameKeys(raw['options'], OPTION_ALIASES);
    if (timezone !== undefined && entry['timezone'] === undefined) entry['timezone'] = timezone;
    return resolveBeatEntry(name, entry, field);
  });
}

function renameKeys(
  object: Readonly<Record<string, unknown>>,
  aliases: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    out[Object.hasOwn(aliases, key) ? (aliases[key] ?? key) : key] = value;
  }
  return out;
}
