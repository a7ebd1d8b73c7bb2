import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { TaskMessage } from '../message/task-message.js';

/**
 * OpenTelemetry spans for tasks, through `@opentelemetry/api` only: without an SDK registered by the app
 * every call below is a no-op on the API's own objects, and the functions return null before building
 * anything, so tracing costs a few calls per task.
 *
 * Names and attributes follow the OpenTelemetry messaging conventions for RabbitMQ: a `send <task>`
 * producer span per publish and a `process <task>` consumer span per run, whose parent is the publish
 * span, carried in the task's `traceparent` / `tracestate` headers (W3C Trace Context). The task name
 * stands in the span name for the destination: it is the low-cardinality name users look for.
 */
const tracer = trace.getTracer('celeriac');

/** A publish span and the context to inject into the message. */
export interface PublishTrace {
  readonly span: Span;
  readonly context: Context;
}

/** A run span and the context the handler runs in. */
export interface RunTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the producer span of a task publish, as a child of the active context (an HTTP request, or the
 * run span of the task that publishes a retry or the next step of a chain). Null when there is nothing
 * to record or carry: no SDK, and no active span to pass on.
 */
export function startPublishSpan(
  message: TaskMessage,
  exchange: string,
  routingKey: string,
): PublishTrace | null {
  const parent = context.active();
  const span = tracer.startSpan(`send ${message.task}`, { kind: SpanKind.PRODUCER }, parent);
  if (span.isRecording()) {
    span.setAttributes(messageAttributes(message, 'send', 'publish', exchange, routingKey));
  } else if (!isSpanContextValid(span.spanContext())) {
    return null;
  }
  return { span, context: trace.setSpan(parent, span) };
}

/** Writes the span's `traceparent` (and `tracestate`) into the headers of the encoded message. */
export function injectTraceHeaders(
  published: PublishTrace,
  headers: Record<string, unknown>,
): void {
  propagation.inject(published.context, headers);
}

/** Ends the publish span when the broker confirmed the message, or with the error that refused it. */
export function endPublishSpan(published: PublishTrace, sent: Promise<void>): Promise<void> {
  const { span } = published;
  if (!span.isRecording()) {
    span.end();
    return sent;
  }
  return sent.then(
    () => {
      span.end();
    },
    (err: unknown) => {
      failSpan(span, err);
      span.end();
      throw err;
    },
  );
}

/** Ends a publish span whose message never left (it could not be routed or encoded). */
export function abandonPublishSpan(published: PublishTrace, err: unknown): void {
  failSpan(published.span, err);
  published.span.end();
}

/**
 * Starts the consumer span of a task run, as a child of the publish span its headers name. A missing or
 * malformed `traceparent` starts a new trace (the propagator ignores what it cannot parse). Null when
 * there is nothing to record or carry.
 */
export function startRunSpan(
  message: TaskMessage,
  queue: string,
  routingKey: string,
): RunTrace | null {
  const parent = propagation.extract(ROOT_CONTEXT, message.extraHeaders);
  const span = tracer.startSpan(`process ${message.task}`, { kind: SpanKind.CONSUMER }, parent);
  if (span.isRecording()) {
    // On the consumer side RabbitMQ's destination is the queue the task was taken from.
    const attributes = messageAttributes(message, 'process', 'process', queue, routingKey);
    attributes['celery.task.retries'] = message.retries;
    span.setAttributes(attributes);
  } else if (!isSpanContextValid(span.spanContext())) {
    return null;
  }
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` with the run span active, so spans the handler starts, and the publishes it makes, are its children. */
export function runInSpan<T>(run: RunTrace, fn: () => Promise<T>): Promise<T> {
  return context.with(run.context, fn);
}

/** Ends the run span with the task's outcome; a failure carries the exception the handler threw. */
export function endRunSpan(run: RunTrace, outcome: string, thrown: unknown): void {
  const { span } = run;
  if (span.isRecording()) {
    span.setAttribute('celery.task.outcome', outcome);
    if (outcome === 'failed' || outcome === 'rejected') failSpan(span, thrown);
  }
  span.end();
}

/** Records what a handler threw on the active run span (a no-op without one). */
export function recordTaskException(thrown: unknown): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.recordException(asException(thrown));
}

function messageAttributes(
  message: TaskMessage,
  operationType: string,
  operationName: string,
  exchange: string,
  routingKey: string,
): Attributes {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': operationType,
    'messaging.operation.name': operationName,
    'messaging.destination.name': exchange,
    'messaging.rabbitmq.destination.routing_key': routingKey,
    'messaging.message.id': message.id,
    'messaging.message.conversation_id': message.correlationId || message.id,
    'celery.task.name': message.task,
  };
}

function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  if (err !== undefined && err !== null) span.recordException(asException(err));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? `${err.name}: ${err.message}` : 'task failed',
  });
}

function asException(thrown: unknown): Error | string {
  return thrown instanceof Error ? thrown : String(thrown);
}
