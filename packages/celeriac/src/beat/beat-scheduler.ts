import type { ResolvedBeatEntry } from '../options/beat-options.js';
import { decideTicks } from './missed-ticks.js';
import { compileSchedule, type DueTimes } from './schedule-times.js';
import type { Tick } from './tick-message.js';

/** Node's timers overflow above 2^31 − 1 ms (24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/** What the scheduler needs from the world; the beat gives it the broker, tests give it fakes. */
export interface SchedulerPort {
  now(): number;
  /** Sends one tick, confirmed; a rejection stops the scheduler (the owner steps down). */
  send(tick: Tick, now: number, nextDue: number | null): Promise<void>;
  /** Records every entry's last tick (or start) durably. */
  checkpoint(entries: Readonly<Record<string, number>>): Promise<void>;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Something went wrong while leading: the owner steps down. */
  onFailure(err: unknown): void;
  /** Ticks an entry's policy left out (`skipped` due times, `more` if older ones were not even counted). */
  onSkipped(entry: ResolvedBeatEntry, skipped: number, more: boolean): void;
}

interface EntryState {
  readonly entry: ResolvedBeatEntry;
  readonly times: DueTimes;
  /** The scheduled time of its last tick, or when the beat started counting it. */
  last: number;
}

/**
 * The leader's loop. It starts from what the tick stream says (each entry's last recorded tick), catches up
 * according to each entry's missed-tick policy, then sleeps until the next due time, sends, and so on. It
 * writes a checkpoint when it starts (so entries it has never seen get a start time that the next leader
 * will honour) and every `checkpointEveryMs`.
 */
export class BeatScheduler {
  private readonly states: EntryState[];
  private timer: unknown;
  private stopped = false;
  private lastCheckpointAt = -Infinity;

  constructor(
    entries: readonly ResolvedBeatEntry[],
    recorded: ReadonlyMap<string, number>,
    private readonly port: SchedulerPort,
    private readonly checkpointEveryMs: number,
  ) {
    const now = port.now();
    // An entry the stream has never seen starts now: a one-off time already past does not fire, and a new
    // entry does not catch up from the epoch.
    this.states = entries.map((entry) => ({
      entry,
      times: compileSchedule(entry.schedule),
      last: recorded.get(entry.name) ?? now,
    }));
  }

  /** Writes the first checkpoint, sends what is due (the catch-up), and arms the timer. */
  async start(): Promise<void> {
    await this.checkpoint();
    await this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.port.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Each entry's last tick (or start), and its next due time. */
  snapshot(): { name: string; last: number; next: number | null }[] {
    return this.states.map((s) => ({
      name: s.entry.name,
      last: s.last,
      next: s.times.nextAfter(s.last),
    }));
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      for (const state of this.states) {
        if (this.isStopped()) return;
        await this.runEntry(state);
      }
      if (this.port.now() - this.lastCheckpointAt >= this.checkpointEveryMs)
        await this.checkpoint();
    } catch (err: unknown) {
      if (!this.isStopped()) this.port.onFailure(err);
      return;
    }
    this.arm();
  }

  private async runEntry(state: EntryState): Promise<void> {
    const now = this.port.now();
    const decision = decideTicks(state.entry, state.times, state.last, now);
    if (decision.skipped > 0)
      this.port.onSkipped(state.entry, decision.skipped, decision.skippedMore);
    const nextDue = state.times.nextAfter(now);
    for (const scheduledAt of decision.send) {
      if (this.isStopped()) return;
      await this.port.send({ entry: state.entry, scheduledAt }, this.port.now(), nextDue);
      state.last = scheduledAt;
    }
    state.last = decision.last;
  }

  /** A method, so the compiler does not narrow `stopped` across awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.port.now();
    let next = this.lastCheckpointAt + this.checkpointEveryMs;
    for (const state of this.states) {
      const due = state.times.nextAfter(state.last);
      if (due !== null && due < next) next = due;
    }
    const delay = Math.min(Math.max(0, next - now), MAX_TIMER_MS);
    this.timer = this.port.setTimer(() => {
      void this.run();
    }, delay);
  }

  private async checkpoint(): Promise<void> {
    const entries = Object.create(null) as Record<string, number>;
    for (const state of this.states) entries[state.entry.name] = state.last;
    this.lastCheckpointAt = this.port.now();
    await this.port.checkpoint(entries);
  }
}
