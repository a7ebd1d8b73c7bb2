import type { CeleryEvent } from '../events/celery-event.js';

/** A task's state as the dashboard shows it: Celery's state names, as Flower shows them. */
export type DashboardTaskState =
  'PENDING' | 'RECEIVED' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED' | 'REJECTED';

/** One step of a task's life: an event, with what it said when that matters (the error of a retry). */
export interface TimelineEntry {
  readonly type: string;
  /** Seconds since the epoch, as the event carried it. */
  readonly timestamp: number;
  readonly hostname: string;
  readonly retries: number | null;
  readonly exception: string | null;
}

/** What the task events said about one task, merged. Strings are Python reprs, as the events carry them. */
export interface TaskRecord {
  readonly id: string;
  readonly name: string | null;
  readonly state: DashboardTaskState;
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  readonly exception: string | null;
  readonly traceback: string | null;
  readonly worker: string | null;
  readonly retries: number;
  readonly runtime: number | null;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly eta: string | null;
  /** When the first and the latest event of this task were sent (seconds since the epoch). */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly timeline: readonly TimelineEntry[];
}

/** A search of the recent tasks: each given field must match. */
export interface TaskQuery {
  /** Part of the task id or of its name, case-insensitive. */
  readonly text?: string;
  readonly state?: DashboardTaskState;
  readonly limit?: number;
}

/** The state each event puts a task in; `task-sent` only when nothing more is known yet. */
const STATE_OF: Readonly<Record<string, DashboardTaskState>> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

/** A retried task runs many times; a runaway one must not grow its record without end. */
const MAX_TIMELINE = 100;
const DEFAULT_QUERY_LIMIT = 100;

/**
 * The recent tasks, built from Celery's task events: a bounded ring, oldest-updated dropped first. Pure
 * and synchronous, so it costs nothing but memory: about `capacity` records, each capped.
 */
export class TaskLog {
  /** Insertion order is update order: a task moves to the end whenever an event touches it. */
  private readonly tasks = new Map<string, TaskRecord>();
  private seen = 0;

  constructor(private readonly capacity: number) {}

  /** How many task events arrived since start: zero means the workers do not send them (no `-E`). */
  get eventsSeen(): number {
    return this.seen;
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Applies one event; returns the updated record, or null for an event that is not about a task. */
  record(event: CeleryEvent): TaskRecord | null {
    const state = STATE_OF[event.type];
    if (state === undefined || typeof event.uuid !== 'string') return null;
    this.seen++;
    const before = this.tasks.get(event.uuid);
    const after = merge(before, event, state);
    this.tasks.delete(event.uuid);
    this.tasks.set(event.uuid, after);
    if (this.tasks.size > this.capacity) {
      const oldest = this.tasks.keys().next();
      if (oldest.done !== true) this.tasks.delete(oldest.value);
    }
    return after;
  }

  get(id: string): TaskRecord | null {
    return this.tasks.get(id) ?? null;
  }

  /** The matching tasks, most recently updated first. */
  search(query: TaskQuery = {}): TaskRecord[] {
    const text = query.text?.trim().toLowerCase() ?? '';
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
    const found: TaskRecord[] = [];
    for (const task of [...this.tasks.values()].reverse()) {
      if (found.length >= limit) break;
      if (query.state !== undefined && task.state !== query.state) continue;
      if (
        text !== '' &&
        !task.id.toLowerCase().includes(text) &&
        !(task.name ?? '').toLowerCase().includes(text)
      )
        continue;
      found.push(task);
    }
    return found;
  }
}

/** The record after one more event. Late or out-of-order events never move a finished task back. */
function merge(
  before: TaskRecord | undefined,
  event: CeleryEvent,
  state: DashboardTaskState,
): TaskRecord {
  const text = (key: string): string | null => {
    const value = event[key];
    return typeof value === 'string' ? value : null;
  };
  const number = (key: string): number | null => {
    const value = event[key];
    return typeof value === 'number' ? value : null;
  };
  const entry: TimelineEntry = {
    type: event.type,
    timestamp: event.timestamp,
    hostname: event.hostname,
    retries: number('retries'),
    exception: text('exception'),
  };
  const timeline = [...(before?.timeline ?? []), entry]
    .sort((a, b) => a.timestamp - b.timestamp)
    .slice(-MAX_TIMELINE);
  const newest = timeline.at(-1) === entry;
  const isWorker = event.type !== 'task-sent';
  return {
    id: event.uuid ?? '',
    name: text('name') ?? before?.name ?? null,
    state: newest || before === undefined ? stateAfter(before?.state, state) : before.state,
    args: text('args') ?? before?.args ?? null,
    kwargs: text('kwargs') ?? before?.kwargs ?? null,
    result: text('result') ?? before?.result ?? null,
    // A retry that then succeeds keeps the last error in the timeline, not as the task's exception.
    exception:
      state === 'SUCCESS' && newest ? null : (text('exception') ?? before?.exception ?? null),
    traceback:
      state === 'SUCCESS' && newest ? null : (text('traceback') ?? before?.traceback ?? null),
    worker: isWorker ? event.hostname : (before?.worker ?? null),
    retries: Math.max(number('retries') ?? 0, before?.retries ?? 0),
    runtime: number('runtime') ?? before?.runtime ?? null,
    rootId: text('root_id') ?? before?.rootId ?? null,
    parentId: text('parent_id') ?? before?.parentId ?? null,
    eta: text('eta') ?? before?.eta ?? null,
    firstSeen: Math.min(event.timestamp, before?.firstSeen ?? event.timestamp),
    lastSeen: Math.max(event.timestamp, before?.lastSeen ?? event.timestamp),
    timeline,
  };
}

/** `task-sent` may arrive after the worker's events (another connection): it never hides them. */
function stateAfter(
  previous: DashboardTaskState | undefined,
  next: DashboardTaskState,
): DashboardTaskState {
  return next === 'PENDING' && previous !== undefined ? previous : next;
}
