import type { BeatOptions, ResolvedBeatOptions } from './beat-options.js';

/**
 * What users pass to `TaskQueueModule.forRoot()`. Every default lives in `TASK_QUEUE_DEFAULTS`, and
 * `resolveOptions()` is the only place that applies them and validates the result.
 */

/** AMQP exchange types Celeriac declares. */
export type ExchangeType = 'direct' | 'topic' | 'fanout';

/** RabbitMQ queue types. `classic` is what Celery declares; `quorum` is replicated (RabbitMQ ≥ 3.8). */
export type QueueType = 'classic' | 'quorum';

/** A queue to declare (Celery's `task_queues` entry). */
export interface QueueOptions {
  /** Queue name, e.g. `'celery'` or `'hipri'`. */
  name: string;
  /**
   * Exchange the queue is bound to.
   * @defaultValue the queue name (Celery's default: a direct exchange named after the queue)
   */
  exchange?: string;
  /** @defaultValue `'direct'` */
  exchangeType?: ExchangeType;
  /**
   * Binding keys from `exchange` to this queue. A topic exchange takes patterns (`'media.#'`).
   * @defaultValue `[name]` (ignored by fanout exchanges)
   */
  bindingKeys?: readonly string[];
  /** @defaultValue `'classic'`, exactly as Celery declares its queues */
  type?: QueueType;
  /**
   * Extra queue arguments (`x-max-priority`, `x-delivery-limit`, ...). RabbitMQ refuses to redeclare a
   * queue with different arguments, so these must match what already exists on the broker.
   * @defaultValue `{}`
   */
  arguments?: Readonly<Record<string, unknown>>;
}

/** Where a task goes: some of these fields; what is missing comes from the queue. */
export interface RouteTarget {
  queue?: string;
  exchange?: string;
  routingKey?: string;
}

/**
 * Task routes, like Celery's `task_routes`: keys are task names or globs (`'media.*'`, `'*.reports'`),
 * values where matching tasks go. The first matching key wins, in insertion order; an explicit option on
 * `send()` wins over any route.
 */
export type TaskRoutes = Readonly<Record<string, RouteTarget | string>>;

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

export interface TaskQueueOptions {
  /**
   * Broker URL, or several for failover.
   * @defaultValue `'amqp://guest:guest@127.0.0.1:5672'`
   */
  url?: string | readonly string[];
  /** @defaultValue `10` (RabbitMQ's docs advise 5–20 s) */
  heartbeatSeconds?: number;
  /** How long to wait between reconnect attempts. @defaultValue `1_000` */
  reconnectDelayMs?: number;
  /**
   * TCP connect timeout of each attempt, and how long a worker's start, `DeadLetters` and `revoke()` wait
   * for a connection before they throw `BrokerUnreachableError` (a send waits `publishTimeoutMs`).
   * @defaultValue `5_000`
   */
  connectTimeoutMs?: number;
  /**
   * Queue for tasks with no route and no `queue` option (Celery's `task_default_queue`).
   * @defaultValue `'celery'`
   */
  defaultQueue?: string;
  /**
   * Queues to declare. The default queue is added as Celery declares it (classic, durable, no arguments)
   * unless it is listed here.
   * @defaultValue `[]`
   */
  queues?: readonly QueueOptions[];
  /** @defaultValue `{}` */
  routes?: TaskRoutes;
  /**
   * Declare a queue named in `send({ queue })` that is not configured, as Celery's
   * `task_create_missing_queues` does (direct exchange and routing key named after the queue).
   * @defaultValue `true`
   */
  createMissingQueues?: boolean;
  /**
   * How long `send()` waits for the broker to confirm a task before it rejects.
   * @defaultValue `10_000`
   */
  publishTimeoutMs?: number;
  /**
   * How many publishes may wait for the broker at once (for a connection while it is unreachable, for a
   * resource alarm to clear, or for their confirm). Beyond it `send()` rejects at once with
   * `PublishBacklogFullError` instead of holding more in memory.
   * @defaultValue `10_000`
   */
  maxPendingPublishes?: number;
  /**
   * Largest encoded task body accepted, in bytes, checked before parsing by workers and before
   * publishing by clients.
   * @defaultValue `1_048_576` (1 MiB)
   */
  maxPayloadBytes?: number;
  /**
   * How tasks with a countdown or eta travel. `'cascade'`: through Celeriac's delay queues (a TTL cascade
   * that needs no broker plugin and survives broker and worker restarts), forwarded by the Celeriac
   * workers when due. `'direct'`: straight to their queue with the eta in the header, as Celery does, for
   * queues that only Python workers consume (they hold ETA tasks themselves).
   * @defaultValue `'cascade'`
   */
  delayedDelivery?: DelayedDelivery;
  /**
   * Name prefix of the delay cascade's exchanges and queues.
   * @defaultValue `'celeriac.delay'`
   */
  delayPrefix?: string;
  /**
   * The broker's `consumer_timeout` (rabbitmq.conf; 30 minutes by default). RabbitMQ closes a channel that
   * holds a delivery unacked longer and redelivers the task, so a worker refuses at boot a task whose
   * hard `timeLimit` is not below it. Set it to your broker's value.
   * @defaultValue `1_800_000`
   */
  brokerConsumerTimeoutMs?: number;
  /**
   * Where task results go, as Celery's `result_backend`. `'rpc://'`: back over a reply queue of the
   * process that sent the task (only that process can read them; lost on its restart). `'redis://host:port/db'`
   * (or `rediss://`): stored in Redis in Celery's own layout, readable by id from any process, Python
   * included, and needed for chords. Workers and clients must name the same backend.
   * @defaultValue `'rpc://'`
   */
  resultBackend?: string;
  /**
   * Seconds a result stays in Redis (Celery's `result_expires`); `0` keeps results until `forget()`.
   * @defaultValue `86_400` (one day)
   */
  resultExpires?: number;
  /**
   * Also store the task's name, args, kwargs, worker, retries and queue with its result (Celery's
   * `result_extended`). Redis backend only.
   * @defaultValue `false`
   */
  resultExtended?: boolean;
  /**
   * rpc:// only: how many sent tasks' results this client keeps waiting for. Beyond it the oldest handle is
   * dropped, and its `get()` rejects with `ResultUnavailableError` instead of waiting for ever.
   * @defaultValue `10_000`
   */
  maxTrackedResults?: number;
  /**
   * How long `AsyncResult.get()` waits when the call gives no `timeoutMs`; `0` waits until the result
   * comes or the client closes.
   * @defaultValue `300_000` (5 minutes)
   */
  resultTimeoutMs?: number;
  /** Task revocation: retention window, stream name, limits. */
  revocation?: RevocationOptions;
  /** Monitoring events: worker heartbeats, task events, `task-sent`. */
  events?: EventOptions;
  /** Worker-side options; used only by processes that run `TaskQueueServer`. */
  worker?: WorkerOptions;
  /** Periodic tasks: the schedule and the beat's leader election (see the beat docs). */
  beat?: BeatOptions;
}

/** See `TaskQueueOptions.delayedDelivery`. */
export type DelayedDelivery = 'cascade' | 'direct';

/** Defaults, in one place. `resolveOptions()` reads them; nothing else does. */
export const TASK_QUEUE_DEFAULTS = {
  url: 'amqp://guest:guest@127.0.0.1:5672',
  heartbeatSeconds: 10,
  reconnectDelayMs: 1_000,
  connectTimeoutMs: 5_000,
  defaultQueue: 'celery',
  createMissingQueues: true,
  publishTimeoutMs: 10_000,
  maxPendingPublishes: 10_000,
  maxPayloadBytes: 1_048_576,
  delayedDelivery: 'cascade',
  delayPrefix: 'celeriac.delay',
  brokerConsumerTimeoutMs: 1_800_000,
  exchangeType: 'direct',
  queueType: 'classic',
  concurrency: 10,
  shutdownGraceMs: 10_000,
  revocationRetentionMs: 10_800_000,
  revocationStream: 'celeriac.revoked',
  revocationMaxIds: 50_000,
  terminateGraceMs: 5_000,
  deadLetterMaxAgeMs: 1_209_600_000,
  deadLetterMaxLength: 100_000,
  deadLetterWarnDepth: 1_000,
  deadLetterCheckIntervalMs: 60_000,
  resultBackend: 'rpc://',
  resultExpires: 86_400,
  resultExtended: false,
  maxTrackedResults: 10_000,
  resultTimeoutMs: 300_000,
} as const;

/** A queue with every field decided. */
export interface ResolvedQueue {
  readonly name: string;
  readonly exchange: string;
  readonly exchangeType: ExchangeType;
  readonly bindingKeys: readonly string[];
  readonly type: QueueType;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** Where to publish one task, with every field decided. Built by the task router. */
export interface ResolvedRoute {
  /** The queue the task is meant for, or `null` when an exchange and routing key were given without one. */
  readonly queue: string | null;
  /** May be `''`, the default exchange, which routes to the queue named by the routing key. */
  readonly exchange: string;
  readonly routingKey: string;
  /**
   * A queue to declare before publishing: set only for a queue that is not in the resolved options, under
   * `createMissingQueues` (the configured ones are declared up front).
   */
  readonly declare: ResolvedQueue | null;
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
}

export interface ResolvedDeadLetterOptions {
  readonly maxAgeMs: number | null;
  readonly maxLength: number | null;
  readonly warnDepth: number | null;
  readonly checkIntervalMs: number;
}

/** Where results go: Celery's `rpc://`, or a Redis server in Celery's key layout. */
export type ResolvedResultBackend =
  { readonly kind: 'rpc' } | { readonly kind: 'redis'; readonly url: string };

export interface ResolvedResultOptions {
  readonly backend: ResolvedResultBackend;
  /** Seconds; 0 = no expiry. */
  readonly expires: number;
  readonly extended: boolean;
  readonly maxTracked: number;
  /** The default `get()` timeout; 0 = none. */
  readonly timeoutMs: number;
}

export type ResolvedEventOptions = Readonly<Required<EventOptions>>;

export interface ResolvedRevocationOptions {
  readonly retentionMs: number;
  readonly stream: string;
  readonly maxIds: number;
  readonly terminateGraceMs: number;
}

/** Options after `resolveOptions()`: defaults applied, validated, frozen. */
export interface ResolvedTaskQueueOptions {
  readonly urls: readonly string[];
  readonly heartbeatSeconds: number;
  readonly reconnectDelayMs: number;
  readonly connectTimeoutMs: number;
  readonly defaultQueue: string;
  /**
   * Every queue by name: the default queue first (as Celery declares it, unless configured), the configured
   * ones, then, under `createMissingQueues`, unconfigured queues named by `routes` or `worker.queues`, shaped
   * as Celery's missing queues. A read-only map at run time too.
   */
  readonly queues: ReadonlyMap<string, ResolvedQueue>;
  /** Routes in match order, keys kept as given (exact names or globs), string targets as `{ queue }`. */
  readonly routes: readonly (readonly [pattern: string, target: RouteTarget])[];
  readonly createMissingQueues: boolean;
  readonly publishTimeoutMs: number;
  readonly maxPendingPublishes: number;
  readonly maxPayloadBytes: number;
  readonly delayedDelivery: DelayedDelivery;
  readonly delayPrefix: string;
  readonly brokerConsumerTimeoutMs: number;
  readonly results: ResolvedResultOptions;
  readonly revocation: ResolvedRevocationOptions;
  readonly events: ResolvedEventOptions;
  readonly worker: ResolvedWorkerOptions;
  readonly beat: ResolvedBeatOptions;
}
