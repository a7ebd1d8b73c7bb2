import { EtaHolds } from './eta-holds.js';

describe('EtaHolds', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The hold's answer once settled, or 'pending'. */
  function track(hold: Promise<boolean>): { readonly state: boolean | 'pending' } {
    const seen: { state: boolean | 'pending' } = { state: 'pending' };
    void hold.then((reached) => {
      seen.state = reached;
    });
    return seen;
  }

  it('answers true at the eta, not before', async () => {
    const holds = new EtaHolds();
    const seen = track(holds.until(Date.now() + 1_000));
    expect(holds.size).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.state).toBe(true);
    expect(holds.size).toBe(0);
  });

  it('waits again when its timer fires before the eta (Node timers can be a millisecond early)', async () => {
    const holds = new EtaHolds();
    const eta = Date.now() + 1_000;
    const seen = track(holds.until(eta));
    // The timer fires while the clock still reads 2 ms short of the eta.
    vi.setSystemTime(eta - 1_002);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(Date.now()).toBe(eta - 2);
    expect(seen.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(2);
    expect(seen.state).toBe(true);
  });

  it('an eta already past answers true on the next timer turn', async () => {
    const holds = new EtaHolds();
    const seen = track(holds.until(Date.now() - 5_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.state).toBe(true);
  });

  it('releaseAll ends every hold with false and clears its timer', async () => {
    const holds = new EtaHolds();
    const first = track(holds.until(Date.now() + 1_000));
    const second = track(holds.until(Date.now() + 60_000));
    holds.releaseAll();
    await vi.advanceTimersByTimeAsync(0);
    expect([first.state, second.state]).toEqual([false, false]);
    expect(holds.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after releaseAll, a new hold answers false at once and sets no timer', async () => {
    const holds = new EtaHolds();
    holds.releaseAll();
    await expect(holds.until(Date.now() + 1_000)).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
