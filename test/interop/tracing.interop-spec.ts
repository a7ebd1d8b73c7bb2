import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';
import { startPythonWorker } from './python.js';

/**
 * A traced task (W3C `traceparent` / `tracestate` and Celeriac's `timestamp_in_ms` in its headers) run by
 * a Python Celery 5.2 worker: it ignores the headers it does not know, runs the task as any other, and
 * the task sees the header as Celeriac wrote it.
 */
describe('a Python Celery worker runs a traced task', () => {
  const queue = uniqueName('interop-trace');
  const exporter = new InMemorySpanExporter();
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let app: TestClient;
  let probe: BrokerProbe;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    probe = await BrokerProbe.open();
    app = await startClient({ defaultQueue: queue, delayedDelivery: 'direct' });
    python = await startPythonWorker(queue);
  }, 60_000);

  afterAll(async () => {
    await python.stop();
    await app.close();
    await probe.deleteQueues(queue);
    await probe.deleteExchanges(queue);
    await probe.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('ignores traceparent and timestamp_in_ms, runs the task, and the task can read them', async () => {
    const result = await app.client.send('tasks.echo_header', ['traceparent']);
    const send = exporter.getFinishedSpans().find((s) => s.name === 'send tasks.echo_header');
    const { traceId, spanId } = send?.spanContext() ?? { traceId: 'none', spanId: 'none' };
    await expect(result.get({ timeoutMs: 20_000 })).resolves.toBe(`00-${traceId}-${spanId}-01`);

    const sent = await app.client.send<number>('tasks.echo_header', ['timestamp_in_ms']);
    const stamp = await sent.get({ timeoutMs: 20_000 });
    expect(Math.abs(Date.now() - stamp)).toBeLessThan(60_000);
  });
});
