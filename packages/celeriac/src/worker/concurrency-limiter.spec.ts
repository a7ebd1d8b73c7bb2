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
});
