/**
 * What users write to declare periodic tasks (the beat), and the shape `resolveBeatOptions()` turns it into.
 * The same entry shape serves `TaskQueueModule.forRoot({ beat: { schedule } })`, `@Periodic()` and the
 * JSON file of `celeriac beat --schedule FILE` (which is Celery's `beat_schedule`, see the beat docs).
 */
import type { RouteTarget } from './task-queue-options.js';

/**
 * What a new leader does with ticks that fell due while no beat could send them (a failover, a deploy, a
 * broker outage).
 * - `skip`: send none of them; the schedule goes on with the next due tick.
 * - `once`: send one tick, for the latest missed time (what Celery beat does after downtime).
 * - `all`: send every missed tick, oldest first, up to the entry's `maxCatchUp` most recent ones.
 */
export type MissedTickPolicy = 'skip' | 'once' | 'all';

/**
 * When an entry fires.
 * - a number: every that many seconds (Celery's `"schedule": 30`);
 * - a string: a cron expression with 5 fields, or 6 with seconds first (`'*\/5 * * * * *'`), in the
 *   entry's `timezone`;
 * - `{ cron, timezone? }`: the same, with its own time zone;
 * - `{ every, from? }`: every `every` seconds, counted from `from` (default: the Unix epoch, so every
 *   replica computes the same due times, whenever it started);
 * - `{ at }`: once, at that instant.
 */
export type BeatSchedule =
  | number
  | string
  | { readonly cron: string; readonly timezone?: string }
  | { readonly every: number; readonly from?: Date | string }
  | { readonly at: Date | string };

/** How each tick of an entry is sent; Celery's `options` of a `beat_schedule` entry, in camelCase. */
export interface BeatSendOptions {
  /** Queue the ticks go to; otherwise the task's route or the default queue. */
  queue?: string;
  exchange?: string;
  routingKey?: string;
  /** AMQP priority 0–255 (only queues declared with `x-max-priority` honour it). */
  priority?: number;
  /** Extra headers on every tick (visible to handlers as `ctx.headers`). */
  headers?: Readonly<Record<string, unknown>>;
  /**
   * Seconds after sending when a tick expires (a worker then revokes it instead of running it), or `false`
   * for never. @defaultValue the entry's next due time, so a backlog never runs stale ticks
   */
  expires?: number | false;
}

/** One periodic task. */
export interface BeatEntryOptions {
  /** Registered task name, e.g. `'reports.nightly'`. */
  task: string;
  schedule: BeatSchedule;
  args?: readonly unknown[];
  kwargs?: Readonly<Record<string, unknown>>;
  /** IANA time zone of a cron string (`'Europe/Paris'`). @defaultValue `'UTC'` */
  timezone?: string;
  /** @defaultValue `'once'` */
  missed?: MissedTickPolicy;
  /** With `missed: 'all'`, the most missed ticks sent at once (the most recent ones). @defaultValue `100` */
  maxCatchUp?: number;
  options?: BeatSendOptions;
}

/** The `beat` option of `TaskQueueModule.forRoot()`. */
export interface BeatOptions {
  /** Entries by name; the name is part of every tick's id, so renaming an entry starts it afresh. */
  schedule?: Readonly<Record<string, BeatEntryOptions>>;
  /**
   * Name prefix of the beat's leader queue and tick stream. Replicas with the same prefix on the same vhost
   * elect one leader among them. @defaultValue `'celeriac.beat'`
   */
  prefix?: string;
  /** How often each replica sends a pulse to the leader queue. @defaultValue `1_000` */
  pulseIntervalMs?: number;
  /**
   * A leader that has received no pulse for this long steps down. Must stay well below the broker's
   * detection of a dead connection (about twice `heartbeatSeconds`). @defaultValue `3_000`
   */
  leaseMs?: number;
}

/** A schedule with every field decided. Times are epoch ms. */
export type ResolvedSchedule =
  | { readonly kind: 'cron'; readonly expression: string; readonly timezone: string }
  | { readonly kind: 'interval'; readonly everyMs: number; readonly anchorMs: number }
  | { readonly kind: 'once'; readonly atMs: number };

/** An entry with every field decided and checked. */
export interface ResolvedBeatEntry {
  readonly name: string;
  readonly task: string;
  readonly schedule: ResolvedSchedule;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly missed: MissedTickPolicy;
  readonly maxCatchUp: number;
  readonly route: RouteTarget;
  readonly priority: number | null;
  readonly headers: Readonly<Record<string, unknown>>;
  /** Seconds after sending, `'next-tick'` (the default) or null for never. */
  readonly expires: number | 'next-tick' | null;
}

export interface ResolvedBeatOptions {
  readonly schedule: ReadonlyMap<string, ResolvedBeatEntry>;
  readonly prefix: string;
  readonly pulseIntervalMs: number;
  readonly leaseMs: number;
}

export const BEAT_DEFAULTS = {
  prefix: 'celeriac.beat',
  pulseIntervalMs: 1_000,
  leaseMs: 3_000,
  missed: 'once',
  maxCatchUp: 100,
  timezone: 'UTC',
} as const;
