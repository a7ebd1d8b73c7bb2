import type { ResolvedWorkerOptions } from '../options/task-queue-options.js';
import { PoolChild } from './pool-child.js';
import type { ChildMessage } from './pool-protocol.js';
import { type RecycleLimits, recycleReason } from './recycle-policy.js';

const MiB = 1024 * 1024;
const NO_LIMITS: RecycleLimits = { maxTasks: null, maxMemoryKiB: null };

describe('recycleReason', () => {
  it('keeps a child without limits forever', () => {
    expect(recycleReason(1_000_000, 10_000 * MiB, NO_LIMITS)).toBeNull();
  });

  it('retires a child once it ran maxTasks tasks', () => {
    const limits = { maxTasks: 3, maxMemoryKiB: null };
    expect(recycleReason(2, 0, limits)).toBeNull();
    expect(recycleReason(3, 0, limits)).toBe('it ran 3 task(s) (--max-tasks-per-child 3)');
  });

  it('retires a child whose RSS is above maxMemoryKiB, in KiB as in Celery', () => {
    const limits = { maxTasks: null, maxMemoryKiB: 200 * 1024 };
    expect(recycleReason(1, 200 * MiB, limits)).toBeNull();
    expect(recycleReason(1, 200 * MiB + 1024, limits)).toBe(
      'its resident memory, 204801 KiB, is above --max-memory-per-child 204800 KiB',
    );
  });
});

describe('PoolChild', () => {
  function child(limits: RecycleLimits, rss: number[] = []) {
    const sent: ChildMessage[] = [];
    const retired: string[] = [];
    const poolChild = new PoolChild(
      limits,
      (m) => sent.push(m),
      (reason) => retired.push(reason),
      () => rss.shift() ?? 100 * MiB,
    );
    return { poolChild, sent, retired };
  }

  it('tells the supervisor what it consumes and with which grace', () => {
    const { poolChild, sent } = child(NO_LIMITS);
    const worker: ResolvedWorkerOptions = {
      queues: ['a', 'b'],
      concurrency: 1,
      prefetch: 1,
      shutdownGraceMs: 30_000,
      nodeName: 'w@box',
      queueLimits: {},
      metricsPort: null,
      beat: false,
      deadLetters: { maxAgeMs: null, maxLength: null, warnDepth: null, checkIntervalMs: 60_000 },
    };
    poolChild.ready(worker);
    expect(sent).toEqual([
      { type: 'celeriac:ready', nodeName: 'w@box', queues: ['a', 'b'], shutdownGraceMs: 30_000 },
    ]);
  });

  it('retires after its third task, once, telling the supervisor first', () => {
    const { poolChild, sent, retired } = child({ maxTasks: 3, maxMemoryKiB: null });
    poolChild.afterTask();
    poolChild.afterTask();
    expect(retired).toEqual([]);
    poolChild.afterTask();
    poolChild.afterTask(); // a task that was already running when it decided: no second retire
    expect(retired).toEqual(['it ran 3 task(s) (--max-tasks-per-child 3)']);
    expect(sent).toEqual([
      {
        type: 'celeriac:recycle',
        reason: 'it ran 3 task(s) (--max-tasks-per-child 3)',
        tasks: 3,
        rssKiB: 102_400,
      },
    ]);
  });

  it('retires after the task that took its memory over the limit', () => {
    const { poolChild, sent, retired } = child({ maxTasks: null, maxMemoryKiB: 150 * 1024 }, [
      100 * MiB,
      151 * MiB,
    ]);
    poolChild.afterTask();
    expect(retired).toHaveLength(0);
    poolChild.afterTask();
    expect(retired).toHaveLength(1);
    expect(sent).toMatchObject([{ type: 'celeriac:recycle', tasks: 2, rssKiB: 154_624 }]);
  });
});
