import { ConcurrencyLimiter, LimiterClosedError } from './concurrency-limiter.js';

describe('ConcurrencyLimiter', () => {
  it('admits up to the limit and hands slots over in FIFO order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await limiter.acquire();
    await limiter.acquire();
    const order: number[] = [];
    const third = limiter.acquire().then(() => order.push(3));
    const fourth = limiter.acquire().then(() => order.push(4));
    expect(limiter.queued).toBe(2);
    limiter.release();
    await third;
    expect(order).toEqual([3]);
    expect(limiter.active).toBe(2);
    limiter.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    limiter.release();
    limiter.release();
    expect(limiter.active).toBe(0);
  });

  it('rejects waiters and new callers once closed', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire();
    const waiter = limiter.acquire();
    limiter.close();
    await expect(waiter).rejects.toBeInstanceOf(LimiterClosedError);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(LimiterClosedError);
  });

  it('grows: waiters start at once (pool_grow)', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire();
    let started = false;
    const waiter = limiter.acquire().then(() => (started = true));
    limiter.resize(2);
    await waiter;
    expect(started).toBe(true);
    expect(limiter.active).toBe(2);
  });

  it('shrinks: running tasks finish, and no waiter starts until fewer than the new size run (pool_shrink)', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await limiter.acquire();
    await limiter.acquire();
    let started = false;
    const waiter = limiter.acquire().then(() => (started = true));
    limiter.resize(1);
    limiter.release(); // 2 ran, 1 allowed: the slot is given up
    await Promise.resolve();
    expect(started).toBe(false);
    expect(limiter.active).toBe(1);
    limiter.release(); // now the waiter takes it
    await waiter;
    expect(limiter.active).toBe(1);
    expect(limiter.size).toBe(1);
  });
});
