import { Logger } from '@nestjs/common';
import { Observable, Subject, type Subscription } from 'rxjs';
import { errorMessage } from '../errors/error-text.js';
import { redactUrl } from '../errors/redact-url.js';
import type { CeleryEvent } from '../events/celery-event.js';
import type { DashboardSources } from './dashboard-sources.js';
import type { ResolvedDashboardOptions } from './dashboard-options.js';
import { QueueBoard, type QueueView } from './queue-board.js';
import { readQueues } from './queue-reader.js';
import { TaskLog, type TaskRecord } from './task-log.js';
import { WorkerBoard, type InspectRound, type WorkerView } from './worker-board.js';

/** What the page is told, whole on connect and in parts as things change. */
export type DashboardUpdate =
  | { readonly type: 'snapshot'; readonly data: DashboardSnapshot }
  | { readonly type: 'tasks'; readonly data: readonly TaskRecord[] }
  | { readonly type: 'overview'; readonly data: DashboardOverview };

/** Workers, queues and the event counters: what one refresh round renews. */
export interface DashboardOverview {
  readonly workers: readonly WorkerView[];
  readonly queues: readonly QueueView[];
  /** Task events received since this process started: zero means no worker sends them (`-E`). */
  readonly taskEventsSeen: number;
  readonly eventsConnected: boolean;
  /** The broker, password hidden. */
  readonly broker: string;
  /** The last refresh (ms since the epoch), and what went wrong in it, if anything. */
  readonly refreshedAt: number | null;
  readonly problem: string | null;
}

export interface DashboardSnapshot extends DashboardOverview {
  readonly tasks: readonly TaskRecord[];
}

/** Task updates are sent in batches, at most this often, so a busy worker does not flood the page. */
const TASK_FLUSH_MS = 250;
const RESUBSCRIBE_MIN_MS = 1_000;
const RESUBSCRIBE_MAX_MS = 30_000;
/** How long `inspect` waits for replies on each refresh. */
const INSPECT_TIMEOUT_MS = 1_000;

/**
 * Keeps what the dashboard shows: follows every Celery event from process start (workers and the recent
 * tasks), and, only while someone watches, asks the workers (`inspect`) and reads the queue depths every
 * `refreshMs`. Nothing here runs on a task's path: events are what the workers send anyway, and the reads
 * use their own channels.
 */
export class DashboardMonitor {
  readonly tasks: TaskLog;
  private readonly workers = new WorkerBoard();
  private readonly queues = new QueueBoard();
  private readonly updates = new Subject<DashboardUpdate>();
  private readonly logger = new Logger('TaskDashboard');
  private readonly changed = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private eventsConnected = false;
  private watchers = 0;
  private refreshing: Promise<void> | undefined;
  private refreshedAt: number | null = null;
  private problem: string | null = null;
  private retryMs = RESUBSCRIBE_MIN_MS;
  private stopped = false;

  constructor(
    private readonly sources: DashboardSources,
    private readonly options: ResolvedDashboardOptions,
  ) {
    this.tasks = new TaskLog(options.recentTasks);
  }

  /** Starts following events; never throws (the broker may come later). */
  start(): void {
    this.stopped = false;
    this.follow();
  }

  stop(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    for (const timer of [this.flushTimer, this.pollTimer, this.retryTimer]) clearTimeout(timer);
    this.updates.complete();
  }

  /**
   * The updates for one page: a snapshot first, then changes. While at least one page watches, the
   * workers and queues are refreshed every `refreshMs`.
   */
  watch(): Observable<DashboardUpdate> {
    return new Observable<DashboardUpdate>((subscriber) => {
      const inner = this.updates.subscribe(subscriber);
      this.watchers++;
      if (this.watchers === 1) this.schedulePoll(0);
      subscriber.next({ type: 'snapshot', data: this.snapshot() });
      return () => {
        inner.unsubscribe();
        this.watchers--;
        if (this.watchers === 0) clearTimeout(this.pollTimer);
      };
    });
  }

  /** Workers and queues, refreshed first when the last refresh is older than `refreshMs`. */
  async overview(): Promise<DashboardOverview> {
    if (this.refreshedAt === null || Date.now() - this.refreshedAt >= this.options.refreshMs) {
      await this.refresh();
    }
    return this.currentOverview();
  }

  snapshot(): DashboardSnapshot {
    return { ...this.currentOverview(), tasks: this.tasks.search({ limit: 200 }) };
  }

  /** Asks the workers and reads the queues now; concurrent callers share one round. */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshRound().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private currentOverview(): DashboardOverview {
    return {
      workers: this.workers.view(Date.now() / 1000),
      queues: this.queues.view(),
      taskEventsSeen: this.tasks.eventsSeen,
      eventsConnected: this.eventsConnected,
      broker: redactUrl(this.sources.options.urls[0] ?? ''),
      refreshedAt: this.refreshedAt,
      problem: this.problem,
    };
  }

  private async refreshRound(): Promise<void> {
    try {
      const call = { timeoutMs: INSPECT_TIMEOUT_MS };
      const { inspector } = this.sources;
      const [stats, active, activeQueues, registered] = await Promise.all([
        inspector.inspect('stats', call),
        inspector.inspect('active', call),
        inspector.inspect('active_queues', call),
        inspector.inspect('registered', call),
      ]);
      const round: InspectRound = {
        stats: stats.replies,
        active: active.replies,
        activeQueues: activeQueues.replies,
        registered: registered.replies,
      };
      this.workers.inspect(round);
      const names = this.queueNames();
      const at = Date.now();
      const { runtime, options } = this.sources;
      this.queues.record(await readQueues(runtime, options.connectTimeoutMs, names), at);
      this.problem = null;
    } catch (err: unknown) {
      this.problem = `could not refresh workers and queues: ${errorMessage(err)}`;
    }
    this.refreshedAt = Date.now();
    this.updates.next({ type: 'overview', data: this.currentOverview() });
  }

  /** The queues the workers consume, those this app configures, and those the options name. */
  private queueNames(): string[] {
    const { options } = this.sources;
    return [
      ...new Set([
        ...this.workers.consumedQueues(),
        options.defaultQueue,
        ...options.worker.queues,
        ...this.options.queues,
      ]),
    ].sort();
  }

  private schedulePoll(delayMs: number): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      void this.refresh().then(() => {
        if (this.watchers > 0 && !this.stopped) this.schedulePoll(this.options.refreshMs);
      });
    }, delayMs);
    this.pollTimer.unref();
  }

  private follow(): void {
    if (this.stopped) return;
    this.subscription = this.sources.events.observe({ routingKey: '#' }).subscribe({
      next: (event) => {
        this.eventsConnected = true;
        this.retryMs = RESUBSCRIBE_MIN_MS;
        this.onEvent(event);
      },
      // A lost channel ends the stream, a broker that is down fails it: follow again, backing off.
      error: (err: unknown) => {
        this.resubscribe(errorMessage(err));
      },
      complete: () => {
        this.resubscribe('the event channel closed');
      },
    });
  }

  private resubscribe(why: string): void {
    this.eventsConnected = false;
    if (this.stopped) return;
    this.logger.warn(`Not following Celery events (${why}); trying again in ${this.retryMs} ms`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.follow();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RESUBSCRIBE_MAX_MS);
  }

  private onEvent(event: CeleryEvent): void {
    if (this.workers.record(event)) return;
    const record = this.tasks.record(event);
    if (!record) return;
    this.changed.add(record.id);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const tasks = [...this.changed].flatMap((id) => this.tasks.get(id) ?? []);
      this.changed.clear();
      if (tasks.length > 0) this.updates.next({ type: 'tasks', data: tasks });
    }, TASK_FLUSH_MS);
  }
}
