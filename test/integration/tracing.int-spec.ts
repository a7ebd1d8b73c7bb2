import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Injectable } from '@nestjs/common';
import { deadLetterQueueName, signature, Task, type TaskContext } from 'celeriac';
import { startWorker, type TestWorker } from '../support/apps.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { celeryHeaders } from '../support/celery-headers.js';

const attempts = new Map<string, number>();

@Injectable()
class TracedTasks {
  @Task({ name: 'tr.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  /** Fails its first run, then succeeds: one retry. */
  @Task({ name: 'tr.flaky', params: ['key'], autoretryFor: [RangeError], defaultRetryDelay: 0 })
  flaky(key: string, ctx: TaskContext): number {
    const seen = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, seen);
    if (seen === 1) throw new RangeError('first run fails');
    return ctx.retries;
  }
}

/**
 * Publish and run spans in one process, the OpenTelemetry SDK's in-memory exporter catching them: the run
 * span is the child of the publish span, and the publishes a run makes (a retry, the next chain step, a
 * countdown through the delay cascade) are children of that run, so one trace follows the whole workflow.
 */
describe('tracing on the real broker (in-memory exporter)', () => {
  const queue = uniqueName('tracing');
  const exporter = new InMemorySpanExporter();
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    probe = await BrokerProbe.open();
    worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [TracedTasks]);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const ofTrace = (traceId: string): ReadableSpan[] =>
    spans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan | undefined): ReadableSpan | undefined =>
    spans().find((s) => s.spanContext().spanId === span?.parentSpanContext?.spanId);

  /** Sends inside a parent span of its own, so the trace is easy to pick out. */
  async function inRequest<T>(fn: () => Promise<T>): Promise<{ traceId: string; value: T }> {
    const tracer = trace.getTracer('test');
    return tracer.startActiveSpan('request', async (span) => {
      try {
        return { traceId: span.spanContext().traceId, value: await fn() };
      } finally {
        span.end();
      }
    });
  }

  it('publish → run: the run span is the child of the publish span', async () => {
    const { traceId, value: result } = await inRequest(() => worker.client.send('tr.add', [2, 3]));
    expect(await result.get({ timeoutMs: 10_000 })).toBe(5);
    await expect.poll(() => ofTrace(traceId).some((s) => s.name === 'process tr.add')).toBe(true);
    const run = ofTrace(traceId).find((s) => s.name === 'process tr.add');
    const send = parentOf(run);
    expect(send?.name).toBe('send tr.add');
    expect(parentOf(send)?.name).toBe('request');
    expect(run?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.destination.name': queue,
      'messaging.message.id': result.id,
    });
  });

  it('a retry is published from the first run and runs as its child, in the same trace', async () => {
    const { traceId, value: result } = await inRequest(() =>
      worker.client.send('tr.flaky', [uniqueName('k')]),
    );
    expect(await result.get({ timeoutMs: 10_000 })).toBe(1);
    await expect
      .poll(() => ofTrace(traceId).filter((s) => s.name === 'process tr.flaky').length)
      .toBe(2);
    const [first, second] = ofTrace(traceId)
      .filter((s) => s.name === 'process tr.flaky')
      .sort(
        (a, b) =>
          Number(a.attributes['celery.task.retries']) - Number(b.attributes['celery.task.retries']),
      );
    expect(first?.attributes['celery.task.outcome']).toBe('retried');
    expect(first?.events.some((e) => e.name === 'exception')).toBe(true);
    const retrySend = parentOf(second);
    expect(retrySend?.name).toBe('send tr.flaky');
    expect(parentOf(retrySend)).toBe(first);
  });

  it('a chain step and a countdown task run in the trace of the step that sent them', async () => {
    const { traceId, value: chained } = await inRequest(() =>
      worker.client.chain<number>([signature('tr.add', [1, 1]), signature('tr.add', [10])]),
    );
    expect(await chained.get({ timeoutMs: 10_000 })).toBe(12);
    await expect
      .poll(() => ofTrace(traceId).filter((s) => s.name === 'process tr.add').length)
      .toBe(2);
    const runs = ofTrace(traceId).filter((s) => s.name === 'process tr.add');
    const second = runs.find((s) => s.attributes['messaging.message.id'] === chained.id);
    const stepSend = parentOf(second);
    expect(stepSend?.name).toBe('send tr.add');
    expect(parentOf(stepSend)?.name).toBe('process tr.add');

    const { traceId: delayedTrace, value: delayed } = await inRequest(() =>
      worker.client.send('tr.add', [4, 4], {}, { countdown: 0.3 }),
    );
    expect(await delayed.get({ timeoutMs: 10_000 })).toBe(8);
    await expect
      .poll(() => parentOf(ofTrace(delayedTrace).find((s) => s.name === 'process tr.add'))?.name)
      .toBe('send tr.add');
  });

  it('a malformed traceparent on an incoming task starts a new trace, and the task runs', async () => {
    const id = `raw-${uniqueName('id')}`;
    await probe.publishRaw(queue, JSON.stringify([[5, 6], {}, {}]), {
      headers: { ...celeryHeaders('tr.add', id), traceparent: '00-garbage-01' },
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: id,
    });
    await expect
      .poll(() => spans().find((s) => s.attributes['messaging.message.id'] === id)?.name)
      .toBe('process tr.add');
    const run = spans().find((s) => s.attributes['messaging.message.id'] === id);
    expect(run?.parentSpanContext).toBeUndefined();
    expect(run?.attributes['celery.task.outcome']).toBe('succeeded');
  });
});
