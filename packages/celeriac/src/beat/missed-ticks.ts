import type { ResolvedBeatEntry } from '../options/beat-options.js';
import type { DueTimes } from './schedule-times.js';

/**
 * How late a tick may be sent and still count as on time. A leader's timer fires a few ms after the due
 * time; a tick later than this was missed (no leader could send it), and the entry's policy decides.
 */
export const ON_TIME_MS = 1_000;

/** What to do at `now` for one entry whose last tick (or start) was at `last`. */
export interface TickDecision {
  /** Scheduled times to send now, oldest first. */
  readonly send: readonly number[];
  /** Due times in `(last, now]` that are not sent (missed and skipped by the policy). */
  readonly skipped: number;
  /** True when more were missed than `skipped` counts (only the most recent ones are looked at). */
  readonly skippedMore: boolean;
  /** The new `last`: the latest due time up to `now`, sent or skipped; unchanged when none fell due. */
  readonly last: number;
}

/**
 * Applies an entry's missed-tick policy. Pure: the scheduler calls it when a timer fires and when a new
 * leader resumes after the last recorded tick.
 * - `all`: every due time in `(last, now]`, at most `maxCatchUp` (the most recent);
 * - `once`: the latest due time only, however late;
 * - `skip`: the latest due time only if it is on time (within {@link ON_TIME_MS}), else nothing.
 */
export function decideTicks(
  entry: Pick<ResolvedBeatEntry, 'missed' | 'maxCatchUp'>,
  times: DueTimes,
  last: number,
  now: number,
): TickDecision {
  const limit = entry.missed === 'all' ? entry.maxCatchUp : 1;
  const due = times.between(last, now, limit);
  const latest = due.times[due.times.length - 1];
  if (latest === undefined) return { send: [], skipped: 0, skippedMore: false, last };
  const send =
    entry.missed === 'skip' && now - latest > ON_TIME_MS
      ? []
      : entry.missed === 'all'
        ? due.times
        : [latest];
  return {
    send,
    skipped: due.times.length - send.length,
    skippedMore: due.more,
    last: latest,
  };
}
