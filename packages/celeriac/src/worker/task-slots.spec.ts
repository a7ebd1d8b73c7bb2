import { LimiterClosedError } from './concurrency-limiter.js';
import { RateLimiterClosedError } from '../task/rate-limit.js';
import { TaskSlots } from './task-slots.js';

const rates: Readonly<Record<string, number>> = { 'demo.slow': 2 };

function slots(lookups: string[] = []): TaskSlots {
  return new TaskSlots(2, { hipri: 1 }, (task) => {
    lookups.push(task);
    return rates[task] ?? null;
  });
}

describe('TaskSlots', () => {
  it('a queue with a lane takes its own slots; every other queue shares the pool', () => {
    const s = slots();
    expect(s.laneOf('hipri')).not.toBe(s.laneOf('default'));
    expect(s.laneOf('default')).toBe(s.laneOf('reports'));
    expect(s.laneOf('hipri')).toBe(s.laneOf('hipri'));
  });

  it("a lane's slots are its own: a full lane leaves the shared pool free", async () => {
    const s = slots();
    await s.laneOf('hipri').acquire();
    expect(s.laneOf('hipri').active).toBe(1);
    expect(s.laneOf('default').active).toBe(0);
  });

  it('a task with a rate limit gets one limiter, created once; one without gets null, looked up once', () => {
    const lookups: string[] = [];
    const s = slots(lookups);
    const limiter = s.rateLimiterOf('demo.slow');
    expect(limiter).not.toBeNull();
    expect(s.rateLimiterOf('demo.slow')).toBe(limiter);
    expect(s.rateLimiterOf('demo.fast')).toBeNull();
    expect(s.rateLimiterOf('demo.fast')).toBeNull();
    expect(lookups).toEqual(['demo.slow', 'demo.fast']);
  });

  it('close rejects the waiters of the pool, of every lane and of every rate limiter', async () => {
    const s = slots();
    const shared = s.laneOf('default');
    await shared.acquire();
    await shared.acquire();
    const waitingForPool = shared.acquire();
    await s.laneOf('hipri').acquire();
    const waitingForLane = s.laneOf('hipri').acquire();
    const limiter = s.rateLimiterOf('demo.slow');
    if (!limiter) throw new Error('expected a rate limiter');
    await limiter.acquire();
    const waitingForTurn = limiter.acquire(); // 2 per second: half a second away
    s.close();
    await expect(waitingForPool).rejects.toBeInstanceOf(LimiterClosedError);
    await expect(waitingForLane).rejects.toBeInstanceOf(LimiterClosedError);
    await expect(waitingForTurn).rejects.toBeInstanceOf(RateLimiterClosedError);
  });
});
