import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { parseRateLimit, RateLimiter, RateLimiterClosedError } from './rate-limit.js';
import { effectiveTimeLimits, resolveTaskLimits } from './task-limits.js';

describe('parseRateLimit (Celery rate limit strings)', () => {
  it.each([
    ['10/s', 10],
    ['100/m', 100 / 60],
    ['1000/h', 1000 / 3600],
    ['2.5', 2.5],
    [4, 4],
  ] as const)('%s → %d per second', (value, perSecond) => {
    expect(parseRateLimit(value)).toBeCloseTo(perSecond, 10);
  });

  it('reads 0 as no limit, as Celery does', () => {
    expect(parseRateLimit('0/s')).toBeNull();
    expect(parseRateLimit(0)).toBeNull();
  });

  it.each(['fast', '10/d', '-1/s', '', '1e3/s'])(
    'refuses %j with an example of the format',
    (value) => {
      expect(() => parseRateLimit(value)).toThrow(/'10\/s'/);
    },
  );
});

describe('RateLimiter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('spaces starts evenly and serves waiters in order', async () => {
    const limiter = new RateLimiter(10, () => Date.now()); // one start every 100 ms
    const starts: number[] = [];
    const t0 = Date.now();
    const all = [0, 1, 2, 3].map(async (i) => {
      await limiter.acquire();
      starts[i] = Date.now() - t0;
    });
    await vi.advanceTimersByTimeAsync(400);
    await Promise.all(all);
    expect(starts).toEqual([0, 100, 200, 300]);
  });

  it('rejects waiters when closed', async () => {
    const limiter = new RateLimiter(1, () => Date.now());
    await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.close();
    await expect(waiting).rejects.toBeInstanceOf(RateLimiterClosedError);
  });
});

describe('resolveTaskLimits', () => {
  it('converts seconds to ms and parses the rate', () => {
    expect(
      resolveTaskLimits({ timeLimit: 30, softTimeLimit: 10, rateLimit: '5/s' }, 'A.b'),
    ).toEqual({
      timeLimitMs: 30_000,
      softTimeLimitMs: 10_000,
      ratePerSecond: 5,
    });
  });

  it.each([
    [{ timeLimit: 0 }, 'timeLimit'],
    [{ softTimeLimit: -1 }, 'softTimeLimit'],
    [{ timeLimit: 10, softTimeLimit: 10 }, 'softTimeLimit'],
    [{ rateLimit: 'lots' }, 'rateLimit'],
  ])('refuses %j naming the handler and %s', (options, field) => {
    const error = (() => {
      try {
        resolveTaskLimits(options, 'Reports.build');
        return null;
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as InvalidTaskOptionsError).field).toBe(field);
    expect((error as Error).message).toContain('Reports.build');
  });

  it("lets the message's timelimit header win over the task's limits", () => {
    const task = resolveTaskLimits({ timeLimit: 30, softTimeLimit: 10 }, 'A.b');
    expect(effectiveTimeLimits({ hard: 5, soft: null }, task)).toEqual({
      hardMs: 5_000,
      softMs: 10_000,
    });
    expect(effectiveTimeLimits({ hard: null, soft: null }, task)).toEqual({
      hardMs: 30_000,
      softMs: 10_000,
    });
  });
});
