import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { TaskMessage } from '../message/task-message.js';
import { taskMessage } from '../../spec-support/task-message.js';
import {
  endPublishSpan,
  endRunSpan,
  injectTraceHeaders,
  runInSpan,
  startPublishSpan,
  startRunSpan,
} from './task-spans.js';

/** The spec-support task, named as the span assertions below expect, with the headers a test gives. */
function task(extraHeaders: Record<string, unknown> = {}): TaskMessage {
  return taskMessage({ task: 'tasks.add', extraHeaders });
}

describe('task spans without an OpenTelemetry SDK', () => {
  it('build nothing: no span to carry, no headers written', () => {
    expect(startPublishSpan(task(), 'ex', 'celery')).toBeNull();
    expect(startRunSpan(task({ traceparent: '00-xyz' }), 'celery', 'celery')).toBeNull();
  });
});

describe('task spans with the SDK and the in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  afterEach(() => {
    exporter.reset();
  });

  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('a publish span carries its context in traceparent, and the run span is its child', async () => {
    const published = startPublishSpan(task(), 'ex', 'celery');
    if (!published) throw new Error('no publish span');
    const headers: Record<string, unknown> = {};
    injectTraceHeaders(published, headers);
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await endPublishSpan(published, Promise.resolve());

    const run = startRunSpan(task(headers), 'celery', 'celery');
    if (!run) throw new Error('no run span');
    const inside = await runInSpan(run, () => Promise.resolve(trace.getActiveSpan()));
    expect(inside).toBe(run.span);
    endRunSpan(run, 'succeeded', undefined);

    const [send, process] = exporter.getFinishedSpans();
    expect(send?.name).toBe('send tasks.add');
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'ex',
      'messaging.rabbitmq.destination.routing_key': 'celery',
      'messaging.message.id': 'id-1',
    });
    expect(process?.name).toBe('process tasks.add');
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(process?.spanContext().traceId).toBe(send?.spanContext().traceId);
    expect(process?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(process?.attributes['celery.task.outcome']).toBe('succeeded');
  });

  it('a publish the broker refused ends its span with the error', async () => {
    const published = startPublishSpan(task(), 'ex', 'celery');
    if (!published) throw new Error('no publish span');
    await expect(
      endPublishSpan(published, Promise.reject(new Error('unroutable'))),
    ).rejects.toThrow('unroutable');
    const [send] = exporter.getFinishedSpans();
    expect(send?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: unroutable' });
  });

  it.each([
    ['malformed', '00-not-a-trace-id-01'],
    ['all-zero ids', '00-00000000000000000000000000000000-0000000000000000-01'],
    ['not a string', 42],
  ])('a %s traceparent starts a new trace instead of failing', (_what, traceparent) => {
    const run = startRunSpan(task({ traceparent }), 'celery', 'celery');
    if (!run) throw new Error('no run span');
    endRunSpan(run, 'failed', new Error('boom'));
    const [process] = exporter.getFinishedSpans();
    expect(process?.parentSpanContext).toBeUndefined();
    expect(process?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
