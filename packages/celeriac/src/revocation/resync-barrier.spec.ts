import { ResyncBarrier } from './resync-barrier.js';

describe('ResyncBarrier', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('before the first open, waits end when it opens, without giving up', async () => {
    const barrier = new ResyncBarrier(1_000);
    const waiting = barrier.wait();
    await vi.advanceTimersByTimeAsync(500);
    barrier.open();
    await expect(waiting).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('once open, a wait ends at once', async () => {
    const barrier = new ResyncBarrier(1_000);
    barrier.open();
    await expect(barrier.wait()).resolves.toBe(false);
    await expect(barrier.reached).resolves.toBeUndefined();
  });

  it('after close, waits last until the next open', async () => {
    const barrier = new ResyncBarrier(1_000);
    barrier.open();
    barrier.close();
    let ended = false;
    void barrier.wait().then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(ended).toBe(false);
    barrier.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toBe(true);
  });

  it('gives up after waitMs, answering true only for the first give-up of a re-sync', async () => {
    const barrier = new ResyncBarrier(1_000);
    barrier.open();
    barrier.close();
    const first = barrier.wait();
    const second = barrier.wait();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
    // A new re-sync warns again.
    barrier.open();
    barrier.close();
    const third = barrier.wait();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(third).resolves.toBe(true);
  });
});
