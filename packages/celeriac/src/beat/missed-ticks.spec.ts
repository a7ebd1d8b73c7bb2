import type { MissedTickPolicy } from '../options/beat-options.js';
import { decideTicks, ON_TIME_MS } from './missed-ticks.js';
import { compileSchedule } from './schedule-times.js';

const everySecond = compileSchedule({ kind: 'interval', everyMs: 1_000, anchorMs: 0 });
const entry = (missed: MissedTickPolicy, maxCatchUp = 100) => ({ missed, maxCatchUp });

describe('decideTicks', () => {
  it('sends the one due tick when on time, whatever the policy', () => {
    for (const policy of ['skip', 'once', 'all'] as const) {
      expect(decideTicks(entry(policy), everySecond, 9_000, 10_003)).toEqual({
        send: [10_000],
        skipped: 0,
        skippedMore: false,
        last: 10_000,
      });
    }
  });

  it('sends nothing before the next due time', () => {
    expect(decideTicks(entry('all'), everySecond, 10_000, 10_999)).toEqual({
      send: [],
      skipped: 0,
      skippedMore: false,
      last: 10_000,
    });
  });

  it("'all' catches up every missed tick, oldest first", () => {
    const decision = decideTicks(entry('all'), everySecond, 10_000, 14_200);
    expect(decision.send).toEqual([11_000, 12_000, 13_000, 14_000]);
    expect(decision.skipped).toBe(0);
  });

  it("'all' is bounded by maxCatchUp: the most recent ticks are sent, the rest are reported", () => {
    const decision = decideTicks(entry('all', 2), everySecond, 10_000, 14_200);
    expect(decision.send).toEqual([13_000, 14_000]);
    expect(decision.skippedMore).toBe(true);
    expect(decision.last).toBe(14_000);
  });

  it("'once' sends the latest missed tick only, however late", () => {
    const decision = decideTicks(entry('once'), everySecond, 10_000, 14_900);
    expect(decision.send).toEqual([14_000]);
    expect(decision.skippedMore).toBe(true);
    expect(decision.last).toBe(14_000);
  });

  it("'skip' sends the latest tick only while it is on time", () => {
    const minutely = compileSchedule({ kind: 'interval', everyMs: 60_000, anchorMs: 0 });
    expect(decideTicks(entry('skip'), minutely, 0, 120_000 + ON_TIME_MS).send).toEqual([120_000]);
    const decision = decideTicks(entry('skip'), minutely, 0, 120_000 + ON_TIME_MS + 1);
    expect(decision.send).toEqual([]);
    expect(decision.skipped).toBe(1);
    expect(decision.skippedMore).toBe(true);
    // Skipped ticks are not looked at again.
    expect(decision.last).toBe(120_000);
  });
});
