import { Counter, Histogram, type Registry, register } from 'prom-client';
import { AccumulatedHistogram, accumulatedCounter } from './accumulated-metrics.js';
import type { ObservedOutcome, TaskObserver } from '../runtime/instruments.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { PublishObserver } from '../transport/publish-request.js';
import { QueueStats } from './queue-stats.js';
import { type TaskSeries, TaskSeriesTable } from './task-series.js';
import { runtimeGauges } from './runtime-gauges.js';

/** Options of {@link CeleriacMetrics}. */
export interface CeleriacMetricsOptions {
  /**
   * Where the metrics are registered: your app's own registry, or prom-client's global one.
   * @defaultValue prom-client's global `register`
   */
  registry?: Registry;
  /**
   * Prefix of every metric name.
   * @defaultValue `'celeriac_'`
   */
  prefix?: string;
  /**
   * Queue depth and consumer counts are read from the broker at most this often (a scrape in between
   * gets the last counts).
   * @defaultValue `5000`
   */
  queueStatsIntervalMs?: number;
  /** Buckets of the task runtime histogram, in seconds. @defaultValue 5 ms to 5 min */
  runtimeBuckets?: readonly number[];
  /** Buckets of the wait histogram (publish or eta to start), in seconds. @defaultValue 5 ms to 10 min */
  waitBuckets?: readonly number[];
  /** Buckets of the publish confirm latency histogram, in seconds. @defaultValue 0.5 ms to 10 s */
  confirmBuckets?: readonly number[];
}

const RUNTIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];
const CONFIRM_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * Celeriac's Prometheus metrics (prom-client): task counters by task name and queue, runtime and wait
 * histograms, publish confirm latency and failures, and, read when scraped, connection state, the
 * worker's consumers and prefetch, and the depth and consumer count of the queues it consumes. Task ids
 * are never labels.
 *
 * Create one per process and `attach` it to the process's `TaskQueueRuntime` (the worker's `/metrics`
 * port and `TaskQueueMetricsModule` do both).
 *
 * @example
 * const metrics = new CeleriacMetrics({ registry: myRegistry });
 * metrics.attach(app.get(TaskQueueRuntime));
 */
export class CeleriacMetrics implements TaskObserver, PublishObserver {
  /** Where the metrics are registered. */
  readonly registry: Registry;
  private readonly table: TaskSeriesTable;
  private readonly confirm: Histogram;
  private readonly publishFailures: Counter<'reason'>;
  private readonly queueStats: QueueStats;
  private attachedTo: TaskQueueRuntime | null = null;

  constructor(options: CeleriacMetricsOptions = {}) {
    this.registry = options.registry ?? register;
    const prefix = options.prefix ?? 'celeriac_';
    const registers = [this.registry];
    const waitBounds = options.waitBuckets ?? WAIT_BUCKETS;
    const runtimeBounds = options.runtimeBuckets ?? RUNTIME_BUCKETS;
    const table = new TaskSeriesTable(waitBounds, runtimeBounds);
    this.table = table;
    const taskCounter = (name: string, help: string, pick: (s: TaskSeries) => number): void => {
      accumulatedCounter(
        {
          name: `${prefix}${name}`,
          help,
          labelNames: ['task', 'queue'],
          registers,
          source: () => table.series(),
        },
        (s) => ({ labels: { task: s.task, queue: s.queue }, value: pick(s) }),
      );
    };
    taskCounter('tasks_received_total', 'Tasks a worker took from a queue.', (s) => s.received);
    taskCounter('tasks_succeeded_total', 'Tasks that returned.', (s) => s.succeeded);
    taskCounter(
      'tasks_failed_total',
      'Tasks that failed for good (no retry left).',
      (s) => s.failed,
    );
    taskCounter('tasks_retried_total', 'Task runs that ended in a retry.', (s) => s.retried);
    taskCounter('tasks_revoked_total', 'Tasks revoked, terminated or expired.', (s) => s.revoked);
    taskCounter(
      'tasks_dead_lettered_total',
      'Deliveries dead-lettered: failed tasks, and messages refused unread or for an unknown task.',
      (s) => s.deadLettered,
    );
    new AccumulatedHistogram(
      {
        name: `${prefix}task_wait_seconds`,
        help: 'Time from a task being published (or its eta) to its start.',
        labelNames: ['task', 'queue'],
        registers,
        source: function* () {
          for (const s of table.series()) {
            yield { labels: { task: s.task, queue: s.queue }, buckets: s.wait };
          }
        },
      },
      waitBounds,
    );
    new AccumulatedHistogram(
      {
        name: `${prefix}task_runtime_seconds`,
        help: 'Time a task handler ran, to its return or throw.',
        labelNames: ['task'],
        registers,
        source: function* () {
          for (const r of table.allRuntimes()) {
            yield { labels: { task: r.task }, buckets: r.runtime };
          }
        },
      },
      runtimeBounds,
    );
    this.confirm = new Histogram({
      name: `${prefix}publish_confirm_seconds`,
      help: 'Time from a publish to the broker confirm (tasks, results, events).',
      buckets: [...(options.confirmBuckets ?? CONFIRM_BUCKETS)],
      registers,
    });
    this.publishFailures = new Counter({
      name: `${prefix}publishes_failed_total`,
      help: 'Publishes that failed: refused (unroutable, nacked, backlog full), timeout, or closed.',
      labelNames: ['reason'],
      registers,
    });
    this.queueStats = new QueueStats(() => {
      const runtime = this.attachedTo;
      if (!runtime || runtime.connections.health().consume === null) return undefined;
      return runtime.connections.get('consume').current;
    }, options.queueStatsIntervalMs ?? 5_000);
    runtimeGauges({
      prefix,
      registers,
      runtime: () => this.attachedTo,
      queueStats: this.queueStats,
    });
  }

  /**
   * Starts counting this process's deliveries and publishes, and reading its state when scraped. A
   * process has one runtime; attaching to another detaches from the first.
   */
  attach(runtime: TaskQueueRuntime): void {
    this.unhook();
    this.attachedTo = runtime;
    runtime.instruments.task = this;
    runtime.observePublishes(this);
  }

  /** Stops counting and closes the channel the queue counts were read on. */
  async detach(): Promise<void> {
    this.unhook();
    await this.queueStats.close();
  }

  private unhook(): void {
    const runtime = this.attachedTo;
    this.attachedTo = null;
    if (!runtime) return;
    if (runtime.instruments.task === this) runtime.instruments.task = null;
    if (runtime.instruments.publish === this) runtime.observePublishes(null);
  }

  /** Called by the worker for each task it takes (see `TaskObserver`). */
  received(task: string, queue: string): void {
    this.table.of(task, queue).received++;
  }

  /** Part of `TaskObserver` / `PublishObserver`: called by the worker and the publisher. */
  started(task: string, queue: string, waitedSeconds: number | null): void {
    if (waitedSeconds !== null) this.table.of(task, queue).wait.observe(waitedSeconds);
  }

  /** Part of `TaskObserver` / `PublishObserver`: called by the worker and the publisher. */
  ran(task: string, _queue: string, seconds: number): void {
    this.table.runtimeOf(task).runtime.observe(seconds);
  }

  /** Part of `TaskObserver` / `PublishObserver`: called by the worker and the publisher. */
  finished(task: string, queue: string, outcome: ObservedOutcome): void {
    const series = this.table.of(task, queue);
    switch (outcome) {
      case 'succeeded':
        series.succeeded++;
        return;
      case 'failed':
        series.failed++;
        series.deadLettered++;
        return;
      case 'rejected':
        series.deadLettered++;
        return;
      case 'retried':
        series.retried++;
        return;
      case 'revoked':
        series.revoked++;
        return;
      default:
    }
  }

  /** Called by the publisher for each confirm (see `PublishObserver`). */
  confirmed(seconds: number): void {
    this.confirm.observe(seconds);
  }

  /** Part of `TaskObserver` / `PublishObserver`: called by the worker and the publisher. */
  failed(why: 'timeout' | 'refused' | 'closed'): void {
    this.publishFailures.inc({ reason: why });
  }
}
