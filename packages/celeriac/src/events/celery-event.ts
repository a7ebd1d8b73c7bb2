import { hostname as osHostname } from 'node:os';

/**
 * Celery's monitoring events (celery-protocol.md §11): what `celery events`, Flower and Celeriac's own
 * event stream read. Every event is a flat JSON object; the fields below are in every one, the rest
 * depend on `type`.
 */
export interface CeleryEvent {
  readonly type: string;
  /** The sender's node name (`celeriac@host`, `gen123@host` for a client). */
  readonly hostname: string;
  readonly pid: number;
  /** The sender's Lamport clock. */
  readonly clock: number;
  /** Seconds since the epoch, a float. */
  readonly timestamp: number;
  /** Hours west of UTC (UTC+2 sends -2), as Python's `time.timezone // 3600`. */
  readonly utcoffset: number;
  /** The task id, on task events. */
  readonly uuid?: string;
  readonly [field: string]: unknown;
}

/** The exchange every event goes to: topic, durable, as Celery declares it. */
export const EVENT_EXCHANGE = 'celeryev';

/** Routing key of a batch of task events (the body is then a JSON array). */
export const BATCH_ROUTING_KEY = 'task.multi';

/** How often a worker sends `worker-heartbeat`, in seconds (Celery's default `freq`). */
export const HEARTBEAT_SECONDS = 2;

export const WORKER_EVENT_TYPES = ['worker-online', 'worker-heartbeat', 'worker-offline'] as const;
export type WorkerEventType = (typeof WORKER_EVENT_TYPES)[number];

export const TASK_EVENT_TYPES = [
  'task-sent',
  'task-received',
  'task-started',
  'task-succeeded',
  'task-failed',
  'task-retried',
  'task-rejected',
  'task-revoked',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/** The routing key of one event: its type with `-` turned into `.` (`task.succeeded`). */
export function eventRoutingKey(type: string): string {
  return type.replace(/-/g, '.');
}

/** Hours west of UTC now, floored as Python floors `time.timezone // 3600`. */
export function utcOffsetHours(now: Date = new Date()): number {
  return Math.floor(now.getTimezoneOffset() / 60);
}

/** The name a client sends its events under, as Celery's `gen<pid>@<host>`. */
export function clientEventHostname(): string {
  return `gen${process.pid}@${osHostname()}`;
}
