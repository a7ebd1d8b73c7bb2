import type { CeleryEvent } from '../events/celery-event.js';
import type { WorkerStats } from '../control/reply-types.js';
import { WorkerBoard } from './worker-board.js';

function beat(
  hostname: string,
  timestamp: number,
  fields: Record<string, unknown> = {},
): CeleryEvent {
  return {
    type: 'worker-heartbeat',
    hostname,
    pid: 42,
    clock: 1,
    timestamp,
    utcoffset: 0,
    freq: 2,
    active: 1,
    processed: 10,
    loadavg: [0.5, 0.4, 0.3],
    sw_ident: 'celeriac',
    sw_ver: '0.1.0',
    ...fields,
  };
}

const stats = {
  pool: { implementation: 'celeriac:async', 'max-concurrency': 4 },
  prefetch_count: 8,
  uptime: 60,
  pid: 42,
} as unknown as WorkerStats;

describe('WorkerBoard', () => {
  it('shows a worker from its heartbeats, with its processing rate', () => {
    const board = new WorkerBoard();
    board.record(beat('w1', 100, { processed: 10 }));
    board.record(beat('w1', 102, { processed: 16 }));
    const [w1] = board.view(103);
    expect(w1).toMatchObject({
      hostname: 'w1',
      online: true,
      lastHeartbeat: 102,
      processed: 16,
      processedPerSecond: 3,
      software: 'celeriac 0.1.0',
      loadavg: [0.5, 0.4, 0.3],
    });
  });

  it('counts a worker lost after three missed heartbeats, and offline after worker-offline', () => {
    const board = new WorkerBoard();
    board.record(beat('w1', 100));
    expect(board.view(106)[0]?.online).toBe(true);
    expect(board.view(108)[0]?.online).toBe(false);
    board.record({ ...beat('w2', 100), type: 'worker-offline' });
    expect(board.view(100).find((w) => w.hostname === 'w2')?.online).toBe(false);
  });

  it('adds what inspect said: pool, prefetch, running tasks, queues and registered tasks', () => {
    const board = new WorkerBoard();
    board.record(beat('w1', 100));
    board.inspect({
      stats: { w1: stats, w2: stats },
      active: {
        w1: [{ id: 't1', name: 'add', args: [1, 2], time_start: 99 } as never],
      },
      activeQueues: { w1: [{ name: 'celery' } as never, { name: 'hipri' } as never] },
      registered: { w1: ['add', 'mul [rate_limit=10/s]'] },
    });
    const [w1, w2] = board.view(101);
    expect(w1).toMatchObject({
      pool: { implementation: 'celeriac:async', 'max-concurrency': 4 },
      prefetchCount: 8,
      running: [{ id: 't1', name: 'add', startedAt: 99, args: [1, 2] }],
      queues: ['celery', 'hipri'],
      registered: ['add', 'mul [rate_limit=10/s]'],
    });
    // Known only from inspect (no events yet): online because it answered.
    expect(w2).toMatchObject({ hostname: 'w2', online: true, lastHeartbeat: null });
    expect(board.consumedQueues()).toEqual(['celery', 'hipri']);
  });

  it('ignores task events and forgets workers gone for ten minutes', () => {
    const board = new WorkerBoard();
    expect(board.record({ ...beat('w1', 100), type: 'task-received' })).toBe(false);
    board.record(beat('w1', 100));
    expect(board.view(701)).toEqual([]);
  });
});
