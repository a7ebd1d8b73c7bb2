import {
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import type { BucketCounts } from './task-series.js';

/** A labelled set of bucket counts to expose. */
export interface LabelledBuckets {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: BucketCounts;
}

/** What an accumulated metric is built from. */
export interface AccumulatedConfig<T> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registers: Registry[];
  readonly source: () => Iterable<T>;
}

/**
 * A counter whose values are counted elsewhere as plain numbers and read when scraped: `inc()` on the
 * delivery path would hash its labels every time.
 */
export function accumulatedCounter<T>(
  config: AccumulatedConfig<T>,
  read: (item: T) => { labels: Record<string, string>; value: number },
): Counter {
  const { source, labelNames, ...rest } = config;
  return new Counter({
    ...rest,
    labelNames: [...labelNames],
    collect() {
      this.reset();
      for (const item of source()) {
        const { labels, value } = read(item);
        this.inc(labels, value);
      }
    },
  });
}

/**
 * A histogram whose buckets are counted elsewhere (`BucketCounts`) and turned into Prometheus samples
 * when scraped, for the same reason. prom-client's own formatting prints them (`_bucket`, `_sum`, `_count`).
 */
export class AccumulatedHistogram extends Histogram {
  private readonly source: () => Iterable<LabelledBuckets>;
  private readonly metricName: string;

  constructor(config: AccumulatedConfig<LabelledBuckets>, bounds: readonly number[]) {
    const { source, labelNames, ...rest } = config;
    super({ ...rest, labelNames: [...labelNames], buckets: [...bounds] });
    this.source = source;
    this.metricName = config.name;
  }

  /**
   * What prom-client's registry reads of a histogram when it prints the metrics (and `get()` reads, for
   * JSON): our buckets, with prom-client's own name, help and type.
   */
  getForPromString(): Promise<Omit<MetricObjectWithValues<MetricValue<string>>, 'collect'>> {
    const values: (MetricValue<string> & { metricName: string })[] = [];
    for (const { labels, buckets } of this.source()) {
      let cumulative = 0;
      buckets.bounds.forEach((bound, i) => {
        cumulative += buckets.counts[i] ?? 0;
        values.push({
          labels: { ...labels, le: bound },
          value: cumulative,
          metricName: `${this.metricName}_bucket`,
        });
      });
      values.push(
        {
          labels: { ...labels, le: '+Inf' },
          value: buckets.count,
          metricName: `${this.metricName}_bucket`,
        },
        { labels, value: buckets.sum, metricName: `${this.metricName}_sum` },
        { labels, value: buckets.count, metricName: `${this.metricName}_count` },
      );
    }
    const self = this as unknown as Omit<
      MetricObjectWithValues<MetricValue<string>>,
      'values' | 'collect'
    >;
    return Promise.resolve({
      name: this.metricName,
      help: self.help,
      type: self.type,
      aggregator: self.aggregator,
      values,
    });
  }
}
