import type { ConfirmChannel } from 'amqplib';

/** One publish between `Publisher.publish()` and its outcome. */
export interface PendingPublish<Request> {
  readonly request: Request;
  /** `Date.now()` after which it fails with a timeout. */
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  /** The channel it was last written to, or undefined while it was never written. */
  channel: ConfirmChannel | undefined;
  /** True once written to a channel, even one that closed since: a timeout then may still be delivered. */
  written: boolean;
  /** Where it was last written (or is to be): what a `basic.return` of it names. */
  exchange: string;
  routingKey: string;
  settled: boolean;
  /** Times the broker nacked it (it is written again until its deadline, with a growing pause). */
  nacks: number;
}

/** Settled entries the waiting queue may hold beyond twice the pending ones before it drops them. */
const COMPACT_SLACK = 32;

/**
 * The publishes a `Publisher` owes an answer: every one until it settles, in deadline order, with one
 * timer for all of them (a timer per publish was a measurable part of a publish's cost), and a FIFO of
 * those waiting to be written (no channel yet, a resource alarm, or a full socket buffer).
 */
export class PendingPublishes<Request> {
  /** Oldest first; the timer is set for the earliest deadline. */
  private readonly all = new Set<PendingPublish<Request>>();
  private waiting: PendingPublish<Request>[] = [];
  private waitingHead = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Called when the last pending publish settles, for `whenEmpty()`. */
  private emptied: (() => void) | undefined;

  /** @param onExpired called for each publish whose deadline passed; it must settle it */
  constructor(private readonly onExpired: (publish: PendingPublish<Request>) => void) {}

  get size(): number {
    return this.all.size;
  }

  get hasWaiting(): boolean {
    return this.waitingHead < this.waiting.length;
  }

  add(publish: PendingPublish<Request>): void {
    this.all.add(publish);
    if (this.timer === undefined) this.armTimer(publish.deadline);
  }

  /** Marks it settled and forgets it. False when it was settled already (a late confirm, say). */
  settle(publish: PendingPublish<Request>): boolean {
    if (publish.settled) return false;
    publish.settled = true;
    this.all.delete(publish);
    if (this.all.size === 0) {
      this.disarmTimer();
      const emptied = this.emptied;
      this.emptied = undefined;
      emptied?.();
    }
    return true;
  }

  /** Resolves once no publish is pending (at once when none is): what a closing publisher waits for. */
  whenEmpty(): Promise<void> {
    if (this.all.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const before = this.emptied;
      this.emptied = () => {
        before?.();
        resolve();
      };
    });
  }

  /**
   * Puts it at the end of the queue of publishes waiting to be written. A publish that settles while it
   * waits (its deadline passed during an outage) stays in the queue until it reaches the front, which
   * may be never while the channel is down; so once the queue holds more than twice the pending
   * publishes, the settled ones are dropped. That keeps it below `2 × pending + 32` entries, and costs
   * each waiting publish O(1) amortised: a compaction follows at least `pending + 32` pushes.
   */
  wait(publish: PendingPublish<Request>): void {
    this.waiting.push(publish);
    if (this.waiting.length - this.waitingHead > 2 * this.all.size + COMPACT_SLACK) this.compact();
  }

  /** The next unsettled publish waiting to be written, taken off the queue; undefined when none. */
  nextWaiting(): PendingPublish<Request> | undefined {
    while (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead++];
      if (this.waitingHead === this.waiting.length) {
        this.waiting = [];
        this.waitingHead = 0;
      }
      if (next !== undefined && !next.settled) return next;
    }
    return undefined;
  }

  /** Puts back, at the front, a publish `nextWaiting()` returned but that could not be written. */
  unshiftWaiting(publish: PendingPublish<Request>): void {
    if (this.waitingHead > 0) this.waiting[--this.waitingHead] = publish;
    else this.waiting.unshift(publish);
  }

  /** Every publish held in memory: the pending ones and those still queued to be written, once each. */
  *retained(): Generator<PendingPublish<Request>> {
    yield* this.all;
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      const publish = this.waiting[i];
      if (publish !== undefined && publish.settled) yield publish;
    }
  }

  /** How many publishes are held in memory (see `retained()`), and their size by `sizeOf`. */
  held(sizeOf: (request: Request) => number): { retained: number; retainedBytes: number } {
    let retained = 0;
    let retainedBytes = 0;
    for (const publish of this.retained()) {
      retained++;
      retainedBytes += sizeOf(publish.request);
    }
    return { retained, retainedBytes };
  }

  dispose(): void {
    this.disarmTimer();
  }

  /** Drops the settled publishes from the waiting queue, keeping the order of the others. */
  private compact(): void {
    const live: PendingPublish<Request>[] = [];
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      const publish = this.waiting[i];
      if (publish !== undefined && !publish.settled) live.push(publish);
    }
    this.waiting = live;
    this.waitingHead = 0;
  }

  private armTimer(at: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.expire();
      },
      Math.max(1, at - Date.now()),
    );
  }

  private disarmTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Fails the publishes past their deadline and sets the timer for the next one. A full scan: deadlines
   * are almost always in insertion order, but one that waited for an exchange check is added late, and
   * the timer fires at most once per timeout period while publishes keep settling in time.
   */
  private expire(): void {
    const now = Date.now();
    let next = Infinity;
    for (const publish of this.all) {
      if (publish.deadline <= now) this.onExpired(publish);
      else if (publish.deadline < next) next = publish.deadline;
    }
    if (next !== Infinity && this.timer === undefined) this.armTimer(next);
  }
}
