import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/time-limit.error.js';
import { TaskAbort } from '../task/task-abort.js';
import { callWithTimeLimits } from './time-limited-call.js';

describe('callWithTimeLimits', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts the signal with SoftTimeLimitExceeded at the soft limit, and lets the handler end', async () => {
    const abort = new TaskAbort();
    const call = callWithTimeLimits(
      () =>
        new Promise((_, reject) => {
          abort.signal.addEventListener('abort', () => {
            reject(abort.signal.reason as Error);
          });
        }),
      abort,
      { hardMs: null, softMs: 1_000 },
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    const outcome = await call;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.thrown).toBeInstanceOf(SoftTimeLimitExceeded);
  });

  it('gives up on a handler that ignores its signal at the hard limit', async () => {
    const abort = new TaskAbort();
    let abandoned = 0;
    const call = callWithTimeLimits(
      () => new Promise(() => undefined),
      abort,
      { hardMs: 2_000, softMs: null },
      () => {
        abandoned++;
      },
    );
    await vi.advanceTimersByTimeAsync(2_000);
    const outcome = await call;
    expect(!outcome.ok && outcome.thrown).toBeInstanceOf(TimeLimitExceeded);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.reason).toBe(!outcome.ok && outcome.thrown);
    expect(abandoned).toBe(1);
  });

  it('returns the value of a handler that finishes in time, with no timer left behind', async () => {
    const outcome = await callWithTimeLimits(
      () => Promise.resolve(42),
      new TaskAbort(),
      { hardMs: 5_000, softMs: 1_000 },
      () => undefined,
    );
    expect(outcome).toEqual({ ok: true, value: 42 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
