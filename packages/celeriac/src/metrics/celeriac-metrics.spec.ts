import { Registry } from 'prom-client';
import { CeleriacMetrics } from './celeriac-metrics.js';

describe('CeleriacMetrics', () => {
  it('exposes what it counted as Prometheus counters and histograms, labelled by task and queue', async () => {
    const registry = new Registry();
    const metrics = new CeleriacMetrics({ registry, waitBuckets: [0.1, 1], runtimeBuckets: [0.5] });
    metrics.received('tasks.add', 'celery');
    metrics.started('tasks.add', 'celery', 0.05);
    metrics.ran('tasks.add', 'celery', 0.2);
    metrics.finished('tasks.add', 'celery', 'succeeded');
    metrics.received('tasks.add', 'celery');
    metrics.started('tasks.add', 'celery', 2);
    metrics.ran('tasks.add', 'celery', 0.7);
    metrics.finished('tasks.add', 'celery', 'failed');
    metrics.finished('unknown', 'celery', 'rejected');
    metrics.confirmed(0.002);
    metrics.failed('timeout');

    const text = await registry.metrics();
    const lines = text.split('\n');
    const has = (line: string): void => {
      expect(lines).toContain(line);
    };
    has('celeriac_tasks_received_total{task="tasks.add",queue="celery"} 2');
    has('celeriac_tasks_succeeded_total{task="tasks.add",queue="celery"} 1');
    has('celeriac_tasks_failed_total{task="tasks.add",queue="celery"} 1');
    has('celeriac_tasks_dead_lettered_total{task="tasks.add",queue="celery"} 1');
    has('celeriac_tasks_dead_lettered_total{task="unknown",queue="celery"} 1');
    has('celeriac_task_wait_seconds_bucket{task="tasks.add",queue="celery",le="0.1"} 1');
    has('celeriac_task_wait_seconds_bucket{task="tasks.add",queue="celery",le="1"} 1');
    has('celeriac_task_wait_seconds_bucket{task="tasks.add",queue="celery",le="+Inf"} 2');
    has('celeriac_task_wait_seconds_sum{task="tasks.add",queue="celery"} 2.05');
    has('celeriac_task_wait_seconds_count{task="tasks.add",queue="celery"} 2');
    has('celeriac_task_runtime_seconds_bucket{task="tasks.add",le="0.5"} 1');
    has('celeriac_task_runtime_seconds_count{task="tasks.add"} 2');
    has('celeriac_publish_confirm_seconds_count 1');
    has('celeriac_publishes_failed_total{reason="timeout"} 1');
    expect(text).toContain('# TYPE celeriac_task_wait_seconds histogram');
    expect(text).toContain('# TYPE celeriac_tasks_received_total counter');
  });

  it('keeps two instances apart in two registries, and refuses a second one in the same', () => {
    const registry = new Registry();
    new CeleriacMetrics({ registry });
    expect(() => new CeleriacMetrics({ registry: new Registry() })).not.toThrow();
    expect(() => new CeleriacMetrics({ registry })).toThrow(/already been registered/);
  });
});
