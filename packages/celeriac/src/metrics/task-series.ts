/** Observations in histogram buckets, kept as plain numbers (see `AccumulatedHistogram`). */
export class BucketCounts {
  /** Observations in each bucket alone (not cumulative): `counts[i]` ≤ `bounds[i]`, above `bounds[i-1]`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }
}

/** What a worker counted for one task name on one queue. */
export interface TaskSeries {
  readonly task: string;
  readonly queue: string;
  received: number;
  succeeded: number;
  failed: number;
  retried: number;
  revoked: number;
  deadLettered: number;
  readonly wait: BucketCounts;
}

/** The counts of one task name (the runtime histogram is by task alone). */
export interface TaskRuntime {
  readonly task: string;
  readonly runtime: BucketCounts;
}

/**
 * Task counts by task name, then queue, as plain numbers: a delivery adds to fields of an object found in
 * two map lookups, with no label hashing and no allocation once the pair was seen. prom-client reads them
 * when scraped (`collect`, `AccumulatedHistogram`), which is where the labels are built.
 */
export class TaskSeriesTable {
  private readonly byTask = new Map<string, Map<string, TaskSeries>>();
  private readonly runtimes = new Map<string, TaskRuntime>();

  constructor(
    private readonly waitBounds: readonly number[],
    private readonly runtimeBounds: readonly number[],
  ) {}

  of(task: string, queue: string): TaskSeries {
    let byQueue = this.byTask.get(task);
    if (!byQueue) {
      byQueue = new Map();
      this.byTask.set(task, byQueue);
    }
    let series = byQueue.get(queue);
    if (!series) {
      series = {
        task,
        queue,
        received: 0,
        succeeded: 0,
        failed: 0,
        retried: 0,
        revoked: 0,
        deadLettered: 0,
        wait: new BucketCounts(this.waitBounds),
      };
      byQueue.set(queue, series);
    }
    return series;
  }

  runtimeOf(task: string): TaskRuntime {
    let runtime = this.runtimes.get(task);
    if (!runtime) {
      runtime = { task, runtime: new BucketCounts(this.runtimeBounds) };
      this.runtimes.set(task, runtime);
    }
    return runtime;
  }

  *series(): Generator<TaskSeries> {
    for (const byQueue of this.byTask.values()) yield* byQueue.values();
  }

  allRuntimes(): IterableIterator<TaskRuntime> {
    return this.runtimes.values();
  }
}
