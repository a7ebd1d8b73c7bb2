import type { TaskQueueHealth, TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { QueueConsumerHealth } from '../transport/queue-consumer.js';
import { TaskQueueHealthIndicator } from './task-queue-health.indicator.js';

const NOW = Date.now();

function consumer(queue: string, consuming: boolean, sinceMsAgo: number): QueueConsumerHealth {
  return {
    queue,
    state: consuming ? 'consuming' : 'reattaching',
    consuming,
    since: new Date(NOW - sinceMsAgo),
    attaches: 1,
    lastError: consuming ? null : 'NOT_FOUND',
    prefetch: 10,
  } as QueueConsumerHealth;
}

function indicator(health: Partial<TaskQueueHealth>): TaskQueueHealthIndicator {
  const connection = {
    connected: true,
    blocked: null,
    since: new Date(NOW - 60_000),
    lastError: null,
    connects: 1,
    failedAttempts: 0,
  };
  const full: TaskQueueHealth = {
    ok: true,
    problems: [],
    warnings: [],
    connections: { publish: connection, consume: connection },
    publisher: null,
    worker: null,
    ...health,
  };
  return new TaskQueueHealthIndicator({ health: () => full } as unknown as TaskQueueRuntime);
}

function worker(queues: QueueConsumerHealth[]): TaskQueueHealth['worker'] {
  return {
    state: 'running',
    consuming: queues.every((q) => q.consuming),
    inFlight: 0,
    queues,
    deadLetters: [],
    warnings: [],
  };
}

describe('TaskQueueHealthIndicator', () => {
  it('readiness is down with the runtime problems, under the key asked for', async () => {
    const result = await indicator({
      ok: false,
      problems: ['the publish connection is down'],
    }).isReady('broker');
    expect(result).toEqual({
      broker: { status: 'down', problems: ['the publish connection is down'], warnings: [] },
    });
  });

  it('liveness ignores a broker outage and a consumer lost only a moment ago', async () => {
    const outage = indicator({
      ok: false,
      problems: ['the consume connection is down'],
      connections: {
        publish: null,
        consume: {
          connected: false,
          blocked: null,
          since: new Date(NOW - 3_600_000),
          lastError: 'ECONNREFUSED',
          connects: 1,
          failedAttempts: 99,
        },
      },
      worker: worker([consumer('celery', false, 3_600_000)]),
    });
    expect((await outage.isLive()).taskQueue.status).toBe('up');
    const brief = indicator({ worker: worker([consumer('celery', false, 1_000)]) });
    expect((await brief.isLive()).taskQueue.status).toBe('up');
    expect((await brief.isReady()).taskQueue.status).toBe('up');
  });

  it('liveness is down when connected yet a queue has had no consumer for stuckAfterMs', async () => {
    const stuck = indicator({
      worker: worker([consumer('celery', true, 0), consumer('reports', false, 120_000)]),
    });
    const result = await stuck.isLive('taskQueue', { stuckAfterMs: 60_000 });
    expect(result.taskQueue).toMatchObject({ status: 'down', consuming: ['celery'] });
    expect(result.taskQueue.problems[0]).toMatch(
      /^no consumer on "reports" for 120 s while connected/,
    );
  });
});
