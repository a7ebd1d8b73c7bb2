import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { deadLetterQueueName } from 'celeriac';
import { startClient, type TestClient } from '../support/apps.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { buildPoolWorker, PoolProcess, type PoolWorkerBuild } from '../pool/pool-process.js';
import type { PoolTaskRun } from '../pool/pool-worker/pool.tasks.js';
import type { SpanLine } from '../pool/pool-worker/trace-to-file.js';

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

/**
 * Two processes, as in production: this test is the API process (the OpenTelemetry SDK with the in-memory
 * exporter), and the pool worker (test/pool/pool-worker, built with the Nest CLI) runs as a real process
 * with the SDK of its own, writing its spans to a file, and `--metrics-port` on its command line. The
 * only link between the two traces is the task's `traceparent` header.
 */
describe('a trace across an API process and a worker process, and the worker /metrics', () => {
  const queue = uniqueName('xtrace');
  const spanFile = path.join(tmpdir(), `${queue}.spans.jsonl`);
  const exporter = new InMemorySpanExporter();
  let build: PoolWorkerBuild | undefined;
  let worker: PoolProcess | undefined;
  let api: TestClient;
  let probe: BrokerProbe;
  let metricsUrl: string;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    probe = await BrokerProbe.open();
    build = await buildPoolWorker();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = new PoolProcess(build.main, ['-Q', queue, '--metrics-port', String(port)], queue, {
      POOL_TRACE_FILE: spanFile,
    });
    await worker.waitFor(/Serving Prometheus metrics at http:\/\/0\.0\.0\.0:(\d+)\/metrics/);
    await worker.waitFor(/Worker .* consuming/);
    api = await startClient({ defaultQueue: queue });
  }, 120_000);

  afterAll(async () => {
    await api.close();
    await worker?.destroy();
    await build?.remove();
    await rm(spanFile, { force: true });
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  async function workerSpans(): Promise<SpanLine[]> {
    const text = await readFile(spanFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as SpanLine);
  }

  it('the run span in the worker process is the child of the publish span in the API process', async () => {
    const tracer = trace.getTracer('test');
    const result = await tracer.startActiveSpan('POST /runs', async (span) => {
      try {
        return await api.client.send<PoolTaskRun>('pool.run', ['traced', 0]);
      } finally {
        span.end();
      }
    });
    const run = await result.get({ timeoutMs: 15_000 });
    expect(run.pid).toBe(worker?.pid);

    const send = exporter.getFinishedSpans().find((s) => s.name === 'send pool.run');
    expect(send?.attributes['messaging.message.id']).toBe(result.id);
    await expect
      .poll(async () => (await workerSpans()).some((s) => s.name === 'process pool.run'), {
        timeout: 10_000,
      })
      .toBe(true);
    const processed = (await workerSpans()).find((s) => s.name === 'process pool.run');
    expect(processed?.traceId).toBe(send?.spanContext().traceId);
    expect(processed?.parentSpanId).toBe(send?.spanContext().spanId);
    expect(processed?.attributes).toMatchObject({
      'messaging.message.id': result.id,
      'celery.task.outcome': 'succeeded',
    });
  });

  it('its /metrics (from --metrics-port) shows task counters that rise as tasks run', async () => {
    const succeeded = async (): Promise<number> => {
      const text = await (await fetch(metricsUrl)).text();
      const line = text
        .split('\n')
        .find(
          (l) => l.startsWith('celeriac_tasks_succeeded_total{') && l.includes('task="pool.run"'),
        );
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = await succeeded();
    const results = await Promise.all(
      [1, 2, 3].map((n) => api.client.send<PoolTaskRun>('pool.run', [`m${n}`, 0])),
    );
    await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })));
    await expect.poll(succeeded).toBe(before + 3);
  });
});

/** `-P processes --metrics-port P`: the supervisor serves the pool on P, worker process N on P + N. */
describe('metrics of a process pool', () => {
  const queue = uniqueName('xpool');
  let build: PoolWorkerBuild | undefined;
  let pool: PoolProcess | undefined;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    build = await buildPoolWorker();
  }, 120_000);

  afterAll(async () => {
    await pool?.destroy();
    await build?.remove();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('counts the worker processes and those replaced after dying', async () => {
    if (!build) throw new Error('the pool worker was not built');
    // Three ports in a row, free now: the supervisor's and its two children's.
    let port = await freePort();
    while (port > 65_000) port = await freePort();
    pool = new PoolProcess(
      build.main,
      ['-P', 'processes', '-c', '2', '-Q', queue, '--metrics-port', String(port)],
      queue,
    );
    await pool.waitFor(/All 2 worker process\(es\) consume/, 30_000);
    const scrape = async (p: number): Promise<string> =>
      (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
    expect(await scrape(port)).toMatch(/^celeriac_pool_processes 2$/m);
    expect(await scrape(port)).toMatch(/^celeriac_pool_restarts_total 0$/m);
    expect(await scrape(port + 1)).toMatch(
      new RegExp(`^celeriac_worker_consuming\\{queue="${queue}"\\} 1$`, 'm'),
    );
    expect(await scrape(port + 2)).toMatch(
      new RegExp(`^celeriac_worker_consuming\\{queue="${queue}"\\} 1$`, 'm'),
    );

    const [child] = pool.childPids;
    process.kill(child ?? 0, 'SIGKILL');
    await expect
      .poll(async () => /^celeriac_pool_restarts_total 1$/m.test(await scrape(port)), {
        timeout: 15_000,
      })
      .toBe(true);
    await pool.waitFor(/in place of pid/);
  });
});
