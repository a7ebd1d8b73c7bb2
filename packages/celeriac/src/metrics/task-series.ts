import type { Counter, Histogram } from 'prom-client';

/** The counters and wait histogram of one task name on one queue, with their label values bound once. */
export interface TaskSeries {
  readonly received: Counter.Internal;
  readonly succeeded: Counter.Internal;
  readonly failed: Counter.Internal;
  readonly retried: Counter.Internal;
  readonly revoked: Counter.Internal;
  readonly deadLettered: Counter.Internal;
  readonly wait: Histogram.Internal<'task' | 'queue'>;
}

/** The metrics a `TaskSeries` binds. */
export interface TaskMetricSet {
  readonly received: Counter<'task' | 'queue'>;
  readonly succeeded: Counter<'task' | 'queue'>;
  readonly failed: Counter<'task' | 'queue'>;
  readonly retried: Counter<'task' | 'queue'>;
  readonly revoked: Counter<'task' | 'queue'>;
  readonly deadLettered: Counter<'task' | 'queue'>;
  readonly wait: Histogram<'task' | 'queue'>;
}

/**
 * Bound series by task name, then queue. prom-client hashes the labels of every `inc({ ... })`; binding
 * them once per pair and looking the pair up in two maps makes a delivery's counting allocation-free.
 */
export class TaskSeriesCache {
  private readonly byTask = new Map<string, Map<string, TaskSeries>>();

  constructor(private readonly metrics: TaskMetricSet) {}

  of(task: string, queue: string): TaskSeries {
    let byQueue = this.byTask.get(task);
    if (!byQueue) {
      byQueue = new Map();
      this.byTask.set(task, byQueue);
    }
    let series = byQueue.get(queue);
    if (!series) {
      const m = this.metrics;
      series = {
        received: m.received.labels(task, queue),
        succeeded: m.succeeded.labels(task, queue),
        failed: m.failed.labels(task, queue),
        retried: m.retried.labels(task, queue),
        revoked: m.revoked.labels(task, queue),
        deadLettered: m.deadLettered.labels(task, queue),
        wait: m.wait.labels(task, queue),
      };
      byQueue.set(queue, series);
    }
    return series;
  }

  clear(): void {
    this.byTask.clear();
  }
}
