import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import { deadLetterQueueName, Task, TaskFailedError, TaskQueueRuntime } from 'celeriac';
import { CeleriacMetrics, MetricsServerError } from 'celeriac/metrics';
import { Registry } from 'prom-client';
import { startClient, startWorker, type TestWorker } from '../support/apps.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';

@Injectable()
class MetricTasks {
  @Task({ name: 'm.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  @Task({ name: 'm.fail' })
  fail(): never {
    throw new TypeError('boom');
  }

  @Task({ name: 'm.flaky', autoretryFor: [RangeError], maxRetries: 1, defaultRetryDelay: 0 })
  flaky(): never {
    throw new RangeError('again');
  }
}

/** The value of one sample of the Prometheus text, or undefined when absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('worker metrics on /metrics (worker.metricsPort), on the real broker', () => {
  const queue = uniqueName('metrics');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let url: string;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], metricsPort: 0 } },
      [MetricTasks],
    );
    const port = worker.server.metricsPort;
    if (port === null) throw new Error('the worker serves no metrics');
    url = `http://127.0.0.1:${port}/metrics`;
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  const scrape = async (): Promise<string> => (await fetch(url)).text();

  it('counts tasks that succeed, fail and retry, by task name and queue, never by id', async () => {
    const before = await scrape();
    expect(sample(before, 'celeriac_tasks_succeeded_total', { task: 'm.add' })).toBeUndefined();
    const results = await Promise.all([1, 2, 3].map((n) => worker.client.send('m.add', [n, n])));
    await Promise.all(results.map((r) => r.get({ timeoutMs: 10_000 })));
    const failed = await worker.client.send('m.fail', []);
    await expect(failed.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskFailedError);
    const flaky = await worker.client.send('m.flaky', []);
    await expect(flaky.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskFailedError);

    await expect
      .poll(async () => sample(await scrape(), 'celeriac_tasks_failed_total', { task: 'm.flaky' }))
      .toBe(1);
    const text = await scrape();
    const add = { task: 'm.add', queue };
    expect(sample(text, 'celeriac_tasks_received_total', add)).toBe(3);
    expect(sample(text, 'celeriac_tasks_succeeded_total', add)).toBe(3);
    expect(sample(text, 'celeriac_tasks_failed_total', { task: 'm.fail', queue })).toBe(1);
    expect(sample(text, 'celeriac_tasks_dead_lettered_total', { task: 'm.fail' })).toBe(1);
    // The first run of m.flaky retried, the second failed.
    expect(sample(text, 'celeriac_tasks_retried_total', { task: 'm.flaky' })).toBe(1);
    expect(sample(text, 'celeriac_tasks_received_total', { task: 'm.flaky' })).toBe(2);
    expect(sample(text, 'celeriac_task_runtime_seconds_count', { task: 'm.add' })).toBe(3);
    expect(sample(text, 'celeriac_task_wait_seconds_count', add)).toBe(3);
    // Results and retries were published and confirmed by this process.
    expect(sample(text, 'celeriac_publish_confirm_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(text).not.toContain(results[0]?.id ?? 'no id');
  });

  it('reports connections, consumers, prefetch and the queue depth read from the broker', async () => {
    const text = await scrape();
    expect(sample(text, 'celeriac_connection_up', { connection: 'consume' })).toBe(1);
    expect(sample(text, 'celeriac_connection_blocked', { connection: 'consume' })).toBe(0);
    expect(sample(text, 'celeriac_worker_consuming', { queue })).toBe(1);
    expect(sample(text, 'celeriac_worker_prefetch', { queue })).toBe(10);
    expect(sample(text, 'celeriac_queue_consumers', { queue })).toBe(1);
    expect(sample(text, 'celeriac_queue_messages', { queue })).toBe(0);
    // Node's process metrics come along.
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers 404 off /metrics', async () => {
    const response = await fetch(url.replace('/metrics', '/'));
    expect(response.status).toBe(404);
  });
});

describe('worker metrics: a port in use', () => {
  const queue = uniqueName('metrics-port');
  let blocker: Server;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      blocker.close(() => {
        resolve();
      });
    });
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.close();
  });

  it('stops the start with an error naming the port, before consuming', async () => {
    const port = (blocker.address() as AddressInfo).port;
    const start = startWorker(
      { defaultQueue: queue, worker: { queues: [queue], metricsPort: port } },
      [MetricTasks],
    );
    const err: unknown = await start.then(
      () => new Error('the worker started'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MetricsServerError);
    expect(String(err)).toMatch(new RegExp(`port ${port} is in use`));
    // Nothing was started: no consumer on the queue.
    expect(await probe.exists(queue)).toBe(false);
  });
});

describe('CeleriacMetrics in an app registry (no worker)', () => {
  it('counts publish confirms of an API process into its own registry', async () => {
    const queue = uniqueName('metrics-api');
    const probe = await BrokerProbe.open();
    const api = await startClient({ defaultQueue: queue });
    const registry = new Registry();
    const metrics = new CeleriacMetrics({ registry, prefix: 'api_celeriac_' });
    try {
      metrics.attach(api.app.get(TaskQueueRuntime));
      await api.client.send('m.add', [1, 2]);
      const text = await registry.metrics();
      expect(sample(text, 'api_celeriac_publish_confirm_seconds_count')).toBe(1);
      expect(sample(text, 'api_celeriac_connection_up', { connection: 'publish' })).toBe(1);
      // No worker here: no task series, no queue counts.
      expect(text).not.toMatch(/^api_celeriac_queue_messages\{/m);
    } finally {
      await metrics.detach();
      await api.close();
      await probe.deleteQueues(queue, deadLetterQueueName(queue));
      await probe.deleteExchanges(queue);
      await probe.close();
    }
  });
});
