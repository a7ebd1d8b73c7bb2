/**
 * The replies of Celery's remote-control commands, typed as Celery 5.2 workers (and Celeriac workers,
 * which answer in the same shapes) send them. Fields Celery may add are kept as they come.
 */

/** A task as `inspect active|reserved` and `query_task` describe it (Celery's `Request.info()`). */
export interface RequestInfo {
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
  readonly kwargs: unknown;
  readonly type: string;
  readonly hostname: string;
  /** Seconds since the epoch when it started; null while it waits. */
  readonly time_start: number | null;
  readonly acknowledged: boolean;
  readonly delivery_info: {
    readonly exchange: string;
    readonly routing_key: string;
    readonly priority: number | null;
    readonly redelivered: boolean;
  };
  readonly worker_pid: number | null;
}

/** An entry of `inspect scheduled`. */
export interface ScheduledInfo {
  readonly eta: string | null;
  readonly priority: number | null;
  readonly request: RequestInfo;
}

/** `inspect stats`; `pool`, `broker` and `rusage` differ between Python and Celeriac workers. */
export interface WorkerStats {
  readonly total: Readonly<Record<string, number>>;
  readonly pid: number;
  readonly clock: string;
  readonly uptime: number;
  readonly pool: Readonly<Record<string, unknown>>;
  readonly broker: Readonly<Record<string, unknown>>;
  readonly prefetch_count: number;
  readonly rusage: Readonly<Record<string, number>>;
}

/** An entry of `inspect active_queues` (kombu's `Queue.as_dict()`). */
export interface QueueInfo {
  readonly name: string;
  readonly exchange: { readonly name: string; readonly type: string } & Readonly<
    Record<string, unknown>
  >;
  readonly routing_key: string;
  readonly [field: string]: unknown;
}

/** What a control command (and `ping`) answers: `{ok}` or `{error}`. */
export type ControlReply = { readonly ok: string } | { readonly error: string };

/** The inspect commands and what each node answers to them. */
export interface InspectReplies {
  ping: ControlReply;
  active: RequestInfo[];
  reserved: RequestInfo[];
  scheduled: ScheduledInfo[];
  registered: string[];
  stats: WorkerStats;
  revoked: string[];
  active_queues: QueueInfo[];
  query_task: Record<string, [state: 'active' | 'reserved' | 'scheduled', info: RequestInfo]>;
  conf: Record<string, unknown>;
  report: ControlReply;
  clock: { clock: number };
}

export type InspectCommand = keyof InspectReplies;

export const INSPECT_COMMANDS: readonly InspectCommand[] = [
  'ping',
  'active',
  'reserved',
  'scheduled',
  'registered',
  'stats',
  'revoked',
  'active_queues',
  'query_task',
  'conf',
  'report',
  'clock',
];
