import { compileSchedule } from './schedule-times.js';

const at = (iso: string): number => Date.parse(iso);

describe('compileSchedule', () => {
  it('counts intervals from the anchor, so every replica computes the same due times', () => {
    const times = compileSchedule({ kind: 'interval', everyMs: 30_000, anchorMs: 0 });
    expect(times.nextAfter(at('2026-01-01T00:00:10Z'))).toBe(at('2026-01-01T00:00:30Z'));
    // Strictly after: a due time is not its own next one.
    expect(times.nextAfter(at('2026-01-01T00:00:30Z'))).toBe(at('2026-01-01T00:01:00Z'));
    const anchored = compileSchedule({ kind: 'interval', everyMs: 10_000, anchorMs: 3_000 });
    expect(anchored.nextAfter(0)).toBe(3_000);
  });

  it('lists the due times in (after, upTo], keeping the most recent ones', () => {
    const times = compileSchedule({ kind: 'interval', everyMs: 1_000, anchorMs: 0 });
    expect(times.between(1_000, 4_000, 10)).toEqual({ times: [2_000, 3_000, 4_000], more: false });
    expect(times.between(1_000, 4_500, 2)).toEqual({ times: [3_000, 4_000], more: true });
    expect(times.between(4_000, 4_999, 5)).toEqual({ times: [], more: false });
  });

  it('fires a one-off time once', () => {
    const times = compileSchedule({ kind: 'once', atMs: 5_000 });
    expect(times.nextAfter(4_999)).toBe(5_000);
    expect(times.nextAfter(5_000)).toBeNull();
    expect(times.between(0, 10_000, 3)).toEqual({ times: [5_000], more: false });
    expect(times.between(5_000, 10_000, 3)).toEqual({ times: [], more: false });
  });

  it('reads cron expressions with seconds through croner', () => {
    const times = compileSchedule({ kind: 'cron', expression: '*/5 * * * * *', timezone: 'UTC' });
    expect(times.nextAfter(at('2026-01-01T00:00:05Z'))).toBe(at('2026-01-01T00:00:10Z'));
    expect(times.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:20Z'), 10).times).toEqual(
      [5, 10, 15, 20].map((s) => at(`2026-01-01T00:00:${String(s).padStart(2, '0')}Z`)),
    );
    const recent = times.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:20Z'), 2);
    expect(recent).toEqual({
      times: [at('2026-01-01T00:00:15Z'), at('2026-01-01T00:00:20Z')],
      more: true,
    });
  });

  it('computes cron times in the entry’s time zone, across a DST change', () => {
    // 03:00 in New York: EST (UTC−5) before 8 March 2026, EDT (UTC−4) after.
    const times = compileSchedule({
      kind: 'cron',
      expression: '0 3 * * *',
      timezone: 'America/New_York',
    });
    expect(times.nextAfter(at('2026-03-07T00:00:00Z'))).toBe(at('2026-03-07T08:00:00Z'));
    expect(times.nextAfter(at('2026-03-09T00:00:00Z'))).toBe(at('2026-03-09T07:00:00Z'));
  });

  it('follows croner’s DST rules: a fixed time skipped in spring runs after the gap, a repeated one once', () => {
    const times = compileSchedule({
      kind: 'cron',
      expression: '30 2 * * *',
      timezone: 'Europe/Paris',
    });
    // 29 March 2026: 02:00–03:00 does not exist in Paris; the 02:30 run happens at 03:00 CEST (01:00 UTC).
    expect(times.nextAfter(at('2026-03-28T12:00:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
    // 25 October 2026: 02:30 happens twice; it runs at the first, 02:30 CEST (00:30 UTC), and not again.
    expect(times.nextAfter(at('2026-10-24T12:00:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
    expect(times.nextAfter(at('2026-10-25T00:30:00Z'))).toBe(at('2026-10-26T01:30:00Z'));
  });
});
