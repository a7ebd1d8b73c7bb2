import type { CeleryEvent } from '../events/celery-event.js';
import type { QueueInfo, RequestInfo, WorkerStats } from '../control/reply-types.js';

/** A task a worker runs now, as `inspect active` describes it. */
export interface RunningTask {
  readonly id: string;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly startedAt: number | null;
  readonly args: unknown;
}

/** One worker as the dashboard shows it. */
export interface WorkerView {
  readonly hostname: string;
  /** Heard from within three heartbeat intervals and not gone offline. */
  readonly online: boolean;
  /** Seconds since the epoch of the last event from it; null when only `inspect` knows it. */
  readonly lastHeartbeat: number | null;
  readonly freq: number | null;
  readonly active: number | null;
  readonly processed: number | null;
  /** Tasks finished per second over the last two heartbeats. */
  readonly processedPerSecond: number | null;
  readonly loadavg: readonly number[] | null;
  readonly software: string | null;
  readonly pid: number | null;
  /** From `inspect stats`: the pool (its kind, size, processes) and the prefetch in use. */
  readonly pool: Readonly<Record<string, unknown>> | null;
  readonly prefetchCount: number | null;
  readonly uptime: number | null;
  readonly running: readonly RunningTask[];
  readonly queues: readonly string[];
  /** `inspect registered`: names, with ` [rate_limit=10/s]` after a task that has one. */
  readonly registered: readonly string[];
}

/** What one round of `inspect` calls answered, by node. */
export interface InspectRound {
  readonly stats: Readonly<Record<string, WorkerStats>>;
  readonly active: Readonly<Record<string, readonly RequestInfo[]>>;
  readonly activeQueues: Readonly<Record<string, readonly QueueInfo[]>>;
  readonly registered: Readonly<Record<string, readonly string[]>>;
}

interface Heard {
  readonly event: CeleryEvent;
  readonly previous: CeleryEvent | null;
  readonly offline: boolean;
}

/** Missed heartbeats after which a worker counts as lost (Celery's monitors use a similar window). */
const LOST_AFTER_BEATS = 3;
/** A worker offline for this long is dropped from the board. */
const FORGET_AFTER_S = 600;

/**
 * The workers, from their events (`worker-online`, `-heartbeat`, `-offline`) and from the latest round of
 * `inspect`. Pure: the clock is passed in.
 */
export class WorkerBoard {
  private readonly heard = new Map<string, Heard>();
  private inspected: InspectRound = { stats: {}, active: {}, activeQueues: {}, registered: {} };

  /** Applies a worker event; false for any other event. */
  record(event: CeleryEvent): boolean {
    if (!event.type.startsWith('worker-')) return false;
    const previous = this.heard.get(event.hostname)?.event ?? null;
    this.heard.set(event.hostname, {
      event,
      previous,
      offline: event.type === 'worker-offline',
    });
    return true;
  }

  /** Keeps the latest `inspect` answers (replacing the previous round). */
  inspect(round: InspectRound): void {
    this.inspected = round;
  }

  /** Queue names the workers consume, from the latest `inspect active_queues`. */
  consumedQueues(): string[] {
    return [
      ...new Set(Object.values(this.inspected.activeQueues).flatMap((qs) => qs.map((q) => q.name))),
    ];
  }

  /** Every worker known, sorted by name; `nowSeconds` decides who is still online. */
  view(nowSeconds: number): WorkerView[] {
    for (const [name, heard] of this.heard) {
      if (nowSeconds - heard.event.timestamp > FORGET_AFTER_S) this.heard.delete(name);
    }
    const names = new Set([...this.heard.keys(), ...Object.keys(this.inspected.stats)]);
    return [...names].sort().map((name) => this.viewOf(name, nowSeconds));
  }

  private viewOf(hostname: string, now: number): WorkerView {
    const heard = this.heard.get(hostname);
    const event = heard?.event;
    const num = (key: string): number | null => {
      const value = event?.[key];
      return typeof value === 'number' ? value : null;
    };
    const freq = num('freq');
    const stats = this.inspected.stats[hostname];
    const answered = stats !== undefined;
    const fresh =
      event !== undefined && now - event.timestamp <= (freq ?? 2) * LOST_AFTER_BEATS + 1;
    const loadavg = event?.['loadavg'];
    const software = [event?.['sw_ident'], event?.['sw_ver']].filter((p) => typeof p === 'string');
    return {
      hostname,
      online: heard ? !heard.offline && fresh : answered,
      lastHeartbeat: event?.timestamp ?? null,
      freq,
      active: num('active'),
      processed: num('processed'),
      processedPerSecond: rate(heard),
      loadavg: Array.isArray(loadavg) ? (loadavg as number[]) : null,
      software: software.length > 0 ? software.join(' ') : null,
      pid: event?.pid ?? stats?.pid ?? null,
      pool: stats?.pool ?? null,
      prefetchCount: stats?.prefetch_count ?? null,
      uptime: stats?.uptime ?? null,
      running: (this.inspected.active[hostname] ?? []).map((task) => ({
        id: task.id,
        name: task.name,
        startedAt: task.time_start,
        args: task.args,
      })),
      queues: (this.inspected.activeQueues[hostname] ?? []).map((q) => q.name),
      registered: this.inspected.registered[hostname] ?? [],
    };
  }
}

/** Tasks per second between the last two events that carried `processed`. */
function rate(heard: Heard | undefined): number | null {
  const now = heard?.event;
  const before = heard?.previous;
  if (!now || !before) return null;
  const a = before['processed'];
  const b = now['processed'];
  const seconds = now.timestamp - before.timestamp;
  if (typeof a !== 'number' || typeof b !== 'number' || seconds <= 0 || b < a) return null;
  return (b - a) / seconds;
}
