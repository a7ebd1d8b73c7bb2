import type { TaskHeaderSet } from '../message/task-headers.js';
import type { BeatOptions, ResolvedBeatOptions } from './beat-options.js';
import type { ResolvedWorkerOptions, WorkerOptions } from './worker-options.js';
import type { ResolvedTlsOptions, TlsOptions } from './tls-options.js';
import type {
  EventOptions,
  ResolvedEventOptions,
  ResolvedRevocationOptions,
  RevocationOptions,
} from './revocation-and-event-options.js';

export type {
  EventOptions,
  ResolvedEventOptions,
  ResolvedRevocationOptions,
  RevocationOptions,
} from './revocation-and-event-options.js';

export type { PemInput, ResolvedTlsOptions, TlsOptions } from './tls-options.js';

export type {
  DeadLetterOptions,
  QueueLimitOptions,
  ResolvedDeadLetterOptions,
  ResolvedWorkerOptions,
  WorkerOptions,
} from './worker-options.js';

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

export interface TaskQueueOptions {
  /**
   * Broker URL, or several for failover.
   * @defaultValue `'amqp://guest:guest@127.0.0.1:5672'`
   */
  url?: string | readonly string[];
  /**
   * TLS settings of `amqps://` URLs: the CA that signed the broker's certificate, a client certificate and
   * key, the name to check. Without it, `amqps://` verifies the broker against Node's bundled CAs.
   */
  tls?: TlsOptions;
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
   * Which protocol headers task messages carry. `'lean'`: `task`, `id` and only those whose value differs
   * from what a Celery worker assumes when they are absent (every worker runs such a task exactly alike).
   * `'full'`: all sixteen, as Celery's own client sends them, for monitoring that reads them from Python
   * workers: the args and kwargs (`argsrepr`) in their task events, Flower and `inspect`, `origin`, and
   * `root_id` on top-level tasks. See the interop guide.
   * @defaultValue `'lean'`
   */
  taskHeaders?: TaskHeaderSet;
  /**
   * How tasks with a countdown or eta travel. `'cascade'`: through Celeriac's delay queues (a TTL cascade
   * that needs no broker plugin and survives broker and worker restarts), forwarded by the Celeriac
   * workers when due. `'direct'`: straight to their queue with the eta in the header, as Celery does, for
   * queues that only Python workers consume (they hold ETA tasks themselves), and for RabbitMQ clusters
   * (the cascade's dead-lettering strands delays when its leader node dies on RabbitMQ 3.10; docs/scaling.md).
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
  taskHeaders: 'lean',
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

/** Options after `resolveOptions()`: defaults applied, validated, frozen. */
export interface ResolvedTaskQueueOptions {
  readonly urls: readonly string[];
  /** null without the `tls` option. */
  readonly tls: ResolvedTlsOptions | null;
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
  readonly taskHeaders: TaskHeaderSet;
  readonly delayedDelivery: DelayedDelivery;
  readonly delayPrefix: string;
  readonly brokerConsumerTimeoutMs: number;
  readonly results: ResolvedResultOptions;
  readonly revocation: ResolvedRevocationOptions;
  readonly events: ResolvedEventOptions;
  readonly worker: ResolvedWorkerOptions;
  readonly beat: ResolvedBeatOptions;
}
