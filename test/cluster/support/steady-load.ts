import { randomUUID } from 'node:crypto';
import { PublishTimeoutError, type SendOptions, type TaskClient } from 'celeriac';
import type { Ledger } from '../../faults/support/ledger.js';

/** How the load's tasks look: the work each takes, and which share go through the delay cascade. */
export interface LoadShape {
  /** Tasks started per second. */
  readonly perSecond: number;
  /** Sends in flight at most (a send waits for its confirm). */
  readonly concurrency: number;
  /** `faults.record`'s sleep, the "work" of each task. */
  readonly sleepMs?: number;
  /** Every n-th task is sent with `countdown` seconds (0: none are delayed). */
  readonly delayEvery?: number;
  readonly countdown?: number;
}

/**
 * A steady stream of `faults.record` tasks until `stop()`: each confirmed send is a `sent` row of the
 * ledger, each rejected one a `send-failed` row; delayed tasks' ids are kept apart, so a check can tell
 * the cascade's duplicates from the queue's.
 */
export class SteadyLoad {
  readonly delayedIds = new Set<string>();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly client: TaskClient,
    private readonly ledger: Ledger,
    private readonly shape: LoadShape,
  ) {
    this.done = this.run();
  }

  /** Stops starting sends; resolves once the ones in flight settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async run(): Promise<void> {
    const start = Date.now();
    let n = 0;
    const stopped = (): boolean => this.stopped;
    const lane = async (): Promise<void> => {
      while (!this.stopped) {
        const k = n++;
        const due = start + (k * 1000) / this.shape.perSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        if (stopped()) return;
        const delayed = (this.shape.delayEvery ?? 0) > 0 && k % this.shape.delayEvery! === 0;
        await this.send(delayed ? { countdown: this.shape.countdown ?? 2 } : {}, delayed);
      }
    };
    await Promise.all(Array.from({ length: this.shape.concurrency }, lane));
  }

  private async send(options: SendOptions, delayed: boolean): Promise<void> {
    const id = randomUUID();
    if (delayed) this.delayedIds.add(id);
    const t0 = Date.now();
    try {
      await this.client.send(
        'faults.record',
        [this.shape.sleepMs ?? 0],
        {},
        {
          ...options,
          taskId: id,
          ignoreResult: true,
        },
      );
      this.ledger.record({ e: 'sent', id, t0, t: Date.now() });
    } catch (err: unknown) {
      this.ledger.record({
        e: 'send-failed',
        id,
        t0,
        t: Date.now(),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        maybeEnqueued: !(err instanceof PublishTimeoutError) || err.maybeEnqueued,
      });
    }
  }
}

/** The longest pause between consecutive `kind` rows from `from` on: how long the stream stalled. */
export function longestGap(ledger: Ledger, kind: 'sent' | 'done', from: number): number {
  const times = ledger.events
    .filter((ev) => ev.e === kind && ev.t >= from - 1_000)
    .map((ev) => ev.t)
    .sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

/** The p-th percentile (0–100) of `values`, or 0 when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
