/** The options of revocation (`revocation`) and of Celery events (`events`). */

/** Options of task revocation (`TaskClient.revoke()`); clients and workers of one app must agree on them. */
export interface RevocationOptions {
  /**
   * How long a revocation counts: a worker refuses a revoked task for this long after the revoke, including
   * a worker that starts later (it reads this window back at start). Also the stream's `x-max-age`, so every
   * process using one stream must give the same value. Celery's `REVOKE_EXPIRES` (3 h).
   * @defaultValue `10_800_000`
   */
  retentionMs?: number;
  /**
   * Name of the RabbitMQ stream that carries revocations (declared on first use).
   * @defaultValue `'celeriac.revoked'`
   */
  stream?: string;
  /**
   * Most revoked ids a worker keeps in memory; past it the oldest are forgotten first. Celery's
   * `REVOKES_MAX`.
   * @defaultValue `50_000`
   */
  maxIds?: number;
  /**
   * After `revoke(id, { terminate: true })` aborted a running task's `ctx.signal`, how long its handler may
   * take to settle before the worker reports it REVOKED and frees its slot anyway.
   * @defaultValue `5_000`
   */
  terminateGraceMs?: number;
}

/**
 * Celery's monitoring events (see docs/operations.md), which `celery events`, Flower and
 * `celeriac events` read from the `celeryev` exchange.
 */
export interface EventOptions {
  /**
   * `worker-online`, a `worker-heartbeat` every 2 s and `worker-offline`, from each worker.
   * @defaultValue `true`, as in Celery
   */
  workerEvents?: boolean;
  /**
   * `task-received`, `-started`, `-succeeded`, `-failed`, `-retried`, `-rejected`, `-revoked` from each
   * worker (Celery's `worker_send_task_events`, `-E`); switched at run time by the `enable_events` and
   * `disable_events` remote-control commands.
   * @defaultValue `false`, as in Celery
   */
  taskEvents?: boolean;
  /**
   * `task-sent` from the client for every task it publishes (Celery's `task_send_sent_event`).
   * @defaultValue `false`
   */
  taskSent?: boolean;
}

export type ResolvedEventOptions = Readonly<Required<EventOptions>>;

export interface ResolvedRevocationOptions {
  readonly retentionMs: number;
  readonly stream: string;
  readonly maxIds: number;
  readonly terminateGraceMs: number;
}
