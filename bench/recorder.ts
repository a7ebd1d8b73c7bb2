import { cpuMicros, now } from './clock.js';
import type { ConsumerProgress, ConsumerStats } from './protocol.js';

/**
 * Counts what a consumer handled and when. Both consumers (raw and Celeriac) call `handle()` as their
 * whole task body, so the "handler" is the same work on both sides.
 */
export class Recorder {
  private handled = 0;
  private target = Number.POSITIVE_INFINITY;
  private record = false;
  private startedAt = Number.NaN;
  private cpuStart = 0;
  private firstStartAt = Number.NaN;
  private lastStartAt = Number.NaN;
  private doneAtTarget = Number.NaN;
  private cpuAtTarget = Number.NaN;
  private latencies: number[] = [];
  private lateness: number[] = [];
  private waiter: (() => void) | undefined;

  /** Resets the counters and starts the clocks; call just before connecting. */
  begin(target: number, record: boolean): void {
    this.handled = 0;
    this.target = target;
    this.record = record;
    this.firstStartAt = Number.NaN;
    this.lastStartAt = Number.NaN;
    this.doneAtTarget = Number.NaN;
    this.cpuAtTarget = Number.NaN;
    this.latencies = [];
    this.lateness = [];
    this.waiter = undefined;
    this.startedAt = now();
    this.cpuStart = cpuMicros();
  }

  expect(count: number): void {
    if (count <= this.handled) throw new Error(`Already handled ${this.handled} >= ${count}`);
    this.target = count;
    this.doneAtTarget = Number.NaN;
  }

  /** The task body: `sentAt` is the producer's send time, `eta` the task's eta if it had one. */
  handle(sentAt: number, eta: Date | null): void {
    const start = now();
    if (this.handled === 0) this.firstStartAt = start;
    this.lastStartAt = start;
    if (this.record) {
      this.latencies.push(start - sentAt);
      if (eta) this.lateness.push(Date.now() - eta.getTime());
    }
    this.handled++;
    if (this.handled === this.target) {
      this.doneAtTarget = now();
      this.cpuAtTarget = cpuMicros();
      this.waiter?.();
    }
  }

  get count(): number {
    return this.handled;
  }

  progress(): ConsumerProgress {
    return {
      handled: this.handled,
      startedAt: this.startedAt,
      lastStartAt: this.lastStartAt,
      cpuMicros: cpuMicros() - this.cpuStart,
    };
  }

  async waitFor(timeoutMs: number): Promise<ConsumerStats> {
    if (Number.isNaN(this.doneAtTarget)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`Timed out after ${timeoutMs} ms: ${this.handled} of ${this.target} handled`),
          );
        }, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return {
      handled: this.handled,
      startedAt: this.startedAt,
      firstStartAt: this.firstStartAt,
      lastDoneAt: this.doneAtTarget,
      cpuMicros: this.cpuAtTarget - this.cpuStart,
      latenciesMs: this.latencies,
      latenessMs: this.lateness,
    };
  }
}
