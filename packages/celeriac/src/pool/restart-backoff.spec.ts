import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('restarts at once, then waits 1, 2, 4 s... up to 30 s while children die before they consume', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.next(null));
    expect(delays).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('counts a child that consumed only briefly as a failure in a row', () => {
    const backoff = new RestartBackoff();
    expect([backoff.next(500), backoff.next(9_999), backoff.next(null)]).toEqual([0, 1_000, 2_000]);
  });

  it('starts over after a child that consumed long enough to count as healthy', () => {
    const backoff = new RestartBackoff();
    backoff.next(null);
    backoff.next(null);
    backoff.next(null);
    expect(backoff.next(10_000)).toBe(0);
    expect(backoff.next(null)).toBe(1_000);
  });

  it('takes its own limits', () => {
    const backoff = new RestartBackoff({ firstDelayMs: 10, maxDelayMs: 25, stableAfterMs: 100 });
    expect([null, null, null, null].map((up) => backoff.next(up))).toEqual([0, 10, 20, 25]);
  });
});
