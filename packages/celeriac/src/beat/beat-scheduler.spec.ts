import { resolveBeatEntry } from '../options/resolve-beat.js';
import { BeatScheduler, type SchedulerPort } from './beat-scheduler.js';
import type { Tick } from './tick-message.js';

/** A fake clock and timer: `advance()` runs whatever falls due, in order. */
class FakePort implements SchedulerPort {
  time = 100_000;
  readonly sent: { entry: string; at: number; nextDue: number | null }[] = [];
  readonly checkpoints: Record<string, number>[] = [];
  readonly failures: unknown[] = [];
  failSends = false;
  private timers: { at: number; callback: () => void }[] = [];

  now(): number {
    return this.time;
  }
  send(tick: Tick, _now: number, nextDue: number | null): Promise<void> {
    if (this.failSends) return Promise.reject(new Error('channel closed'));
    this.sent.push({ entry: tick.entry.name, at: tick.scheduledAt, nextDue });
    return Promise.resolve();
  }
  checkpoint(entries: Readonly<Record<string, number>>): Promise<void> {
    this.checkpoints.push({ ...entries });
    return Promise.resolve();
  }
  setTimer(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, callback };
    this.timers.push(timer);
    return timer;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }
  onFailure(err: unknown): void {
    this.failures.push(err);
  }
  onSkipped(): void {}

  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (next === undefined || next.at > until) break;
      this.timers.shift();
      this.time = next.at;
      next.callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.time = until;
  }
}

const entry = (name: string, schedule: unknown, missed = 'once') =>
  resolveBeatEntry(name, { task: `t.${name}`, schedule, missed }, name);

describe('BeatScheduler', () => {
  it('starts new entries now (no catch-up from the epoch) and checkpoints them first', async () => {
    const port = new FakePort();
    const scheduler = new BeatScheduler([entry('a', 1)], new Map(), port, 10_000);
    await scheduler.start();
    expect(port.sent).toEqual([]);
    expect(port.checkpoints).toEqual([{ a: 100_000 }]);
    await port.advance(3_000);
    expect(port.sent.map((s) => s.at)).toEqual([101_000, 102_000, 103_000]);
    // Each tick expires when the next one is due.
    expect(port.sent[0]!.nextDue).toBe(102_000);
    scheduler.stop();
  });

  it('resumes after the last recorded tick, applying the policy to what fell due meanwhile', async () => {
    const port = new FakePort();
    const recorded = new Map([
      ['all', 95_000],
      ['once', 95_000],
    ]);
    const scheduler = new BeatScheduler(
      [entry('all', 1, 'all'), entry('once', 1, 'once')],
      recorded,
      port,
      10_000,
    );
    await scheduler.start();
    expect(port.sent.filter((s) => s.entry === 'all').map((s) => s.at)).toEqual([
      96_000, 97_000, 98_000, 99_000, 100_000,
    ]);
    expect(port.sent.filter((s) => s.entry === 'once').map((s) => s.at)).toEqual([100_000]);
    scheduler.stop();
  });

  it('writes a checkpoint every interval, and stops for good when a send fails', async () => {
    const port = new FakePort();
    const scheduler = new BeatScheduler([entry('a', 4)], new Map(), port, 10_000);
    await scheduler.start();
    await port.advance(10_000);
    expect(port.checkpoints).toHaveLength(2);
    port.failSends = true;
    await port.advance(4_000);
    expect(port.failures).toHaveLength(1);
    const sent = port.sent.length;
    port.failSends = false;
    await port.advance(20_000);
    expect(port.sent.length).toBe(sent);
  });

  it('fires a one-off entry once and a cron entry on its due times', async () => {
    const port = new FakePort();
    const scheduler = new BeatScheduler(
      [entry('once', { at: new Date(102_500) }), entry('cron', '*/2 * * * * *')],
      new Map(),
      port,
      60_000,
    );
    await scheduler.start();
    await port.advance(6_000);
    expect(port.sent.filter((s) => s.entry === 'once').map((s) => s.at)).toEqual([102_500]);
    expect(port.sent.filter((s) => s.entry === 'cron').map((s) => s.at)).toEqual([
      102_000, 104_000, 106_000,
    ]);
    expect(scheduler.snapshot().find((e) => e.name === 'once')?.next).toBeNull();
    scheduler.stop();
  });
});
