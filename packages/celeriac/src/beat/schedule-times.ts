import { Cron } from 'croner';
import type { ResolvedSchedule } from '../options/beat-options.js';

/** Due times of one schedule, in epoch ms. */
export interface DueTimes {
  /** The first due time strictly after `t`, or null when there is none (a one-off already past). */
  nextAfter(t: number): number | null;
  /**
   * The due times in `(after, upTo]`, ascending: at most the `limit` most recent ones. `more` is true when
   * older ones in that range were left out.
   */
  between(after: number, upTo: number, limit: number): { times: number[]; more: boolean };
}

/**
 * Compiles a schedule once. Cron expressions go through croner (seconds field, IANA time zones, and its
 * documented DST rules: a local time skipped by the spring change does not fire, one repeated in the autumn
 * fires once); intervals are counted from their anchor, so every replica computes the same due times.
 */
export function compileSchedule(schedule: ResolvedSchedule): DueTimes {
  switch (schedule.kind) {
    case 'interval':
      return new IntervalTimes(schedule.everyMs, schedule.anchorMs);
    case 'once':
      return new OneOffTime(schedule.atMs);
    case 'cron':
      return new CronTimes(
        new Cron(schedule.expression, { timezone: schedule.timezone, paused: true }),
      );
  }
}

class IntervalTimes implements DueTimes {
  constructor(
    private readonly everyMs: number,
    private readonly anchorMs: number,
  ) {}

  nextAfter(t: number): number {
    return this.anchorMs + (Math.floor((t - this.anchorMs) / this.everyMs) + 1) * this.everyMs;
  }

  between(after: number, upTo: number, limit: number): { times: number[]; more: boolean } {
    const first = Math.floor((after - this.anchorMs) / this.everyMs) + 1;
    const last = Math.floor((upTo - this.anchorMs) / this.everyMs);
    if (last < first) return { times: [], more: false };
    const from = Math.max(first, last - limit + 1);
    const times: number[] = [];
    for (let k = from; k <= last; k++) times.push(this.anchorMs + k * this.everyMs);
    return { times, more: from > first };
  }
}

class OneOffTime implements DueTimes {
  constructor(private readonly atMs: number) {}

  nextAfter(t: number): number | null {
    return this.atMs > t ? this.atMs : null;
  }

  between(after: number, upTo: number): { times: number[]; more: boolean } {
    return { times: this.atMs > after && this.atMs <= upTo ? [this.atMs] : [], more: false };
  }
}

class CronTimes implements DueTimes {
  constructor(private readonly cron: Cron) {}

  nextAfter(t: number): number | null {
    return this.cron.nextRun(new Date(t))?.getTime() ?? null;
  }

  between(after: number, upTo: number, limit: number): { times: number[]; more: boolean } {
    // croner's previousRuns() is strictly before its reference: +1 ms includes a run at `upTo` itself.
    const recent = this.cron
      .previousRuns(limit, new Date(upTo + 1))
      .map((d) => d.getTime())
      .filter((t) => t > after)
      .reverse();
    const oldest = recent[0];
    const more =
      oldest !== undefined &&
      recent.length === limit &&
      (this.cron.previousRuns(1, new Date(oldest))[0]?.getTime() ?? -Infinity) > after;
    return { times: recent, more };
  }
}
