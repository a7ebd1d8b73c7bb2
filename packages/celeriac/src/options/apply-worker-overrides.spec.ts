import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { applyWorkerOverrides } from './apply-worker-overrides.js';
import { resolveOptions } from './resolve-options.js';
import type { TaskQueueOptions, WorkerOptions } from './task-queue-options.js';

const ENV = { hostname: 'box' };

function apply(options: TaskQueueOptions, overrides: WorkerOptions) {
  return applyWorkerOverrides(resolveOptions(options, ENV), overrides, ENV);
}

describe('applyWorkerOverrides', () => {
  it('changes nothing without overrides', () => {
    const resolved = resolveOptions({ worker: { concurrency: 5, prefetch: 7 } }, ENV);
    const applied = applyWorkerOverrides(resolved, {}, ENV);
    expect(applied).toEqual(resolved);
    expect(Object.isFrozen(applied)).toBe(true);
  });

  it('overrides field by field, keeping the rest of the module options', () => {
    const applied = apply(
      { defaultQueue: 'jobs', worker: { concurrency: 5, shutdownGraceMs: 3_000, nodeName: 'a@b' } },
      { nodeName: 'w1@box', shutdownGraceMs: 1 },
    );
    expect(applied.worker).toEqual({
      queues: ['jobs'],
      concurrency: 5,
      prefetch: 5,
      shutdownGraceMs: 1,
      nodeName: 'w1@box',
      queueLimits: {},
      beat: false,
      deadLetters: {
        maxAgeMs: 1_209_600_000,
        maxLength: 100_000,
        warnDepth: 1_000,
        checkIntervalMs: 60_000,
      },
      metricsPort: null,
    });
    expect(applied.defaultQueue).toBe('jobs');
  });

  it('lets prefetch follow a new concurrency unless it is given too', () => {
    const options = { worker: { concurrency: 10, prefetch: 40 } };
    expect(apply(options, { concurrency: 1 }).worker.prefetch).toBe(1);
    expect(apply(options, { concurrency: 1, prefetch: 3 }).worker.prefetch).toBe(3);
    expect(apply(options, { queues: ['celery'] }).worker.prefetch).toBe(40);
  });

  it('drops the queue lanes when told to (a process pool child runs one task at a time)', () => {
    const applied = apply(
      { worker: { concurrency: 10, queueLimits: { celery: { concurrency: 50 } } } },
      { concurrency: 1, queueLimits: {} },
    );
    expect(applied.worker).toMatchObject({ concurrency: 1, prefetch: 1, queueLimits: {} });
  });

  it("adds a queue it names that is not configured as Celery's missing queue", () => {
    const applied = apply(
      { queues: [{ name: 'hipri', type: 'quorum' }] },
      { queues: ['hipri', 'x'] },
    );
    expect(applied.worker.queues).toEqual(['hipri', 'x']);
    expect([...applied.queues.keys()]).toEqual(['celery', 'hipri', 'x']);
    expect(applied.queues.get('hipri')?.type).toBe('quorum');
    expect(applied.queues.get('x')).toEqual({
      name: 'x',
      exchange: 'x',
      exchangeType: 'direct',
      bindingKeys: ['x'],
      type: 'classic',
      arguments: {},
    });
  });

  it.each([
    [{}, { concurrency: 0 }, 'worker.concurrency', 'from 1 to 10000, got 0'],
    [{}, { queues: [] }, 'worker.queues', 'must name at least one queue'],
    [{}, { queues: ['a', 'a'] }, 'worker.queues[1]', 'duplicates worker.queues[0]'],
    [
      { createMissingQueues: false },
      { queues: ['nowhere'] },
      'worker.queues[0]',
      'names a queue that is not configured',
    ],
    [
      { queues: [{ name: 'logs', exchange: 'x', exchangeType: 'topic' }] },
      { queues: ['x'] },
      'worker.queues[0]',
      'declares exchange "x" as "direct"',
    ],
  ] as const)('refuses bad overrides: %j + %j', (options, overrides, field, problem) => {
    let error: unknown;
    try {
      apply(options, overrides);
    } catch (err: unknown) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).field).toBe(field);
    expect((error as InvalidOptionsError).message).toContain(problem);
  });
});
