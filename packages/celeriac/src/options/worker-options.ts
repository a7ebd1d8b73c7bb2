/** The worker side of the options (`worker`): what a process that runs `TaskQueueServer` consumes and how. */

/** Options of the worker side (`TaskQueueServer`). */
export interface WorkerOptions {
  /**
   * Queues to consume, by name (`-Q a,b`). Each must be declared in `queues` or be the default queue.
   * @defaultValue `[defaultQueue]`
   */
  queues?: readonly string[];
  /**
   * How many tasks run at once in this process.
   * @defaultValue `10`
   */
  concurrency?: number;
  /**
   * Unacked deliveries the broker may push to each consumer. Tasks beyond `concurrency` wait in memory,
   * so keep it small for long tasks.
   * @defaultValue `concurrency`
   */
  prefetch?: number;
  /**
   * How long `close()` (SIGTERM) lets running tasks finish before closing; unfinished ones stay unacked and
   * the broker redelivers them.
   * @defaultValue `10_000`
   */
  shutdownGraceMs?: number;
  /**
   * Node name in results, events and `origin` headers, like Celery's `-n`.
   * @defaultValue `celeriac@<hostname>`
   */
  nodeName?: string;
  /**
   * Queues that get a lane of their own: their own concurrency (tasks of that queue running at once) and
   * prefetch, e.g. `{ hipri: { concurrency: 50 }, reports: { concurrency: 2 } }`. Queues not listed share
   * the worker's `concurrency`.
   * @defaultValue `{}`
   */
  queueLimits?: Readonly<Record<string, QueueLimitOptions>>;
  /**
   * Run the beat (periodic tasks) in this worker too, like Celery's `-B`. Any number of workers may: they
   * elect one leader, and only the leader sends ticks.
   * @defaultValue `false`
   */
  beat?: boolean;
  /** Retention of the `<queue>.dead` queues this worker declares, and when to warn about their depth. */
  deadLetters?: DeadLetterOptions;
  /**
   * Serve Prometheus metrics at `http://<host>:<port>/metrics` (`--metrics-port`); needs the `prom-client`
   * package. 9464 is the conventional choice. `null` serves none.
   * @defaultValue `null`
   */
  metricsPort?: number | null;
}

/**
 * Retention of dead-letter queues (`<queue>.dead`), applied as queue arguments when a worker declares one
 * that does not exist yet. An existing one is left as it is (RabbitMQ refuses to redeclare a queue with
 * other arguments), so changing these, or upgrading from a version without them, needs the queue deleted
 * once empty, or a policy (see the README's Dead letters section).
 */
export interface DeadLetterOptions {
  /** Dead letters older than this are dropped (`x-message-ttl`); `null` keeps them. @defaultValue `1_209_600_000` (14 days) */
  maxAgeMs?: number | null;
  /** At most this many are kept, the oldest dropped first (`x-max-length`); `null` for no limit. @defaultValue `100_000` */
  maxLength?: number | null;
  /** A worker warns (log and health) while a dead-letter queue holds at least this many; `null` never. @defaultValue `1_000` */
  warnDepth?: number | null;
  /** How often a worker looks at the depth of its dead-letter queues. @defaultValue `60_000` */
  checkIntervalMs?: number;
}

/** A queue's own lane in a worker (see `WorkerOptions.queueLimits`). */
export interface QueueLimitOptions {
  /** Tasks from this queue running at once. @defaultValue the worker's `concurrency` */
  concurrency?: number;
  /** Unacked deliveries of this queue's consumer. @defaultValue this queue's `concurrency` */
  prefetch?: number;
}

export interface ResolvedWorkerOptions {
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly prefetch: number;
  readonly shutdownGraceMs: number;
  readonly nodeName: string;
  /** Per-queue lanes, by queue name. */
  readonly queueLimits: Readonly<Record<string, Readonly<Required<QueueLimitOptions>>>>;
  /** Run the beat in this worker (`-B`). */
  readonly beat: boolean;
  readonly deadLetters: ResolvedDeadLetterOptions;
  /** Port of the worker's `/metrics` server, or null for none. */
  readonly metricsPort: number | null;
}

export interface ResolvedDeadLetterOptions {
  readonly maxAgeMs: number | null;
  readonly maxLength: number | null;
  readonly warnDepth: number | null;
  readonly checkIntervalMs: number;
}
