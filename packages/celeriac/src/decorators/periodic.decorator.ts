import type { BeatEntryOptions, BeatSchedule } from '../options/beat-options.js';
import { PERIODIC_METADATA } from '../options/task-queue.constants.js';

/** Options of `@Periodic()`: a beat entry whose task is the decorated `@Task()`. */
export interface PeriodicOptions extends Omit<BeatEntryOptions, 'task'> {
  /**
   * The entry's name, part of every tick's id. Give one when a task has several `@Periodic()`.
   * @defaultValue the task's name
   */
  name?: string;
}

/** What the decorator stores (one per `@Periodic()` on the method); read only by the explorer. */
export type PeriodicMetadata = readonly PeriodicOptions[];

/**
 * Runs a `@Task()` on a schedule: the beat sends it as an ordinary task (to any worker, Celeriac or Python)
 * at each due time. Stack several for several schedules, each with its own `name`. Checked at boot like the
 * `beat.schedule` option.
 *
 * @example
 * \@Periodic('0 3 * * *', { timezone: 'Europe/Paris' })
 * \@Task('reports.nightly')
 * async nightly(): Promise<void> { ... }
 *
 * \@Periodic({ schedule: 30, args: ['eu'], missed: 'skip', options: { queue: 'polling' } })
 * \@Task({ name: 'feeds.poll', params: ['region'] })
 * async poll(region: string): Promise<void> { ... }
 */
export function Periodic(
  schedule: BeatSchedule,
  options?: Omit<PeriodicOptions, 'schedule'>,
): MethodDecorator;
export function Periodic(options: PeriodicOptions): MethodDecorator;
export function Periodic(
  scheduleOrOptions: BeatSchedule | PeriodicOptions,
  extra: Omit<PeriodicOptions, 'schedule'> = {},
): MethodDecorator {
  const options: PeriodicOptions = isPeriodicOptions(scheduleOrOptions)
    ? scheduleOrOptions
    : { ...extra, schedule: scheduleOrOptions };
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing =
      (Reflect.getMetadata(PERIODIC_METADATA, method) as PeriodicMetadata | undefined) ?? [];
    // Decorators apply bottom-up: prepend, so the entries keep the order in which they are written.
    Reflect.defineMetadata(PERIODIC_METADATA, [options, ...existing], method);
  };
}

/** `{ schedule, ... }` is the options form; any other object is a schedule (`{ cron }`, `{ every }`, `{ at }`). */
function isPeriodicOptions(value: BeatSchedule | PeriodicOptions): value is PeriodicOptions {
  return typeof value === 'object' && 'schedule' in value;
}
