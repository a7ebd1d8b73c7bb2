import { assertQueueTopology } from '../transport/topology.js';
import { QueueDeclarationError } from '../errors/queue-declaration.error.js';
import { DelayScheduler } from '../delays/delay-scheduler.js';
import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';
import { toError } from '../errors/error-text.js';
import { encodeTask } from '../message/encode-task.js';
import type { OutgoingMessage } from '../message/amqp-message.js';
import type { TaskMessage } from '../message/task-message.js';
import type {
  ResolvedQueue,
  ResolvedRoute,
  ResolvedTaskQueueOptions,
  RouteTarget,
} from '../options/task-queue-options.js';
import { createTaskRouter, type TaskRouter } from '../routing/task-router.js';
import type { Publisher } from '../transport/publisher.js';
import type { PublishRequest } from '../transport/publish-request.js';
import { typedNumber } from '../message/header-values.js';
import {
  abandonPublishSpan,
  endPublishSpan,
  injectTraceHeaders,
  type PublishTrace,
  startPublishSpan,
} from '../tracing/task-spans.js';
import { SENT_AT_HEADER } from '../message/protocol-headers.js';

/** Tasks whose routes `TaskPublisher` keeps, beyond which it starts again. */
const MAX_CACHED_ROUTES = 1_000;

/**
 * A task's publish request. Its `what`, which only errors read, is worded on demand: a send that
 * succeeds (nearly all) never builds the string.
 */
class TaskPublishRequest implements PublishRequest {
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory = true;

  constructor(
    route: ResolvedRoute,
    readonly message: OutgoingMessage,
    private readonly task: string,
    private readonly id: string,
  ) {
    this.exchange = route.exchange;
    this.routingKey = route.routingKey;
  }

  get what(): string {
    return `task "${this.task}" (id ${this.id})`;
  }
}

/** A task routed, encoded and size-checked, ready to publish. */
export interface PreparedTask {
  readonly message: TaskMessage;
  readonly route: ResolvedRoute;
  readonly request: PublishRequest;
}

/**
 * Routes, encodes, size-checks and publishes task messages: what `TaskClient.send()` does, and what a
 * worker does for the next step of a chain, a callback or a retry, so both follow the same routes and
 * rules. A task with an eta more than a moment away goes through the delay cascade.
 */
export class TaskPublisher {
  private readonly router: TaskRouter;
  /** Routes of tasks sent without explicit target fields, by task name. */
  private readonly routes = new Map<string, ResolvedRoute>();
  private topologyReady: Promise<void> | undefined;
  /** True once the configured queues are declared: publishes then skip the wait for it. */
  private topologyDeclared = false;
  /** The delay cascade, or null when delayed tasks go straight to their queue (`delayedDelivery: 'direct'`). */
  readonly delays: DelayScheduler | null;

  constructor(
    private readonly options: ResolvedTaskQueueOptions,
    private readonly publisher: Publisher,
  ) {
    this.router = createTaskRouter(options);
    this.delays =
      options.delayedDelivery === 'cascade'
        ? new DelayScheduler(publisher, options.delayPrefix)
        : null;
  }

  /** Where a task goes (for the `task-sent` event); the same decision `publish` makes. */
  routeOf(task: string, target: RouteTarget): ResolvedRoute {
    return this.router.route(task, target);
  }

  /**
   * @throws InvalidOptionsError / UnknownQueueError for a route to a queue that cannot exist
   * @throws InvalidSendOptionsError for an eta beyond what the delay cascade carries (about 8.5 years)
   * @throws PayloadTooLargeError, UnroutableError, PublishError
   */
  publish(message: TaskMessage, target: RouteTarget): Promise<void> {
    // Not an async function: the common case (queues declared, no eta) should not pay for async frames.
    let traced: PublishTrace | null = null;
    try {
      const route = this.cachedRoute(message.task, target);
      traced = startPublishSpan(message, route.exchange, route.routingKey);
      const sent = this.send({ message, route, request: this.request(message, route, traced) });
      return traced ? endPublishSpan(traced, sent) : sent;
    } catch (err: unknown) {
      if (traced) abandonPublishSpan(traced, err);
      return Promise.reject(toError(err));
    }
  }

  /**
   * Routes, encodes and size-checks a task without publishing it, so that a batch can be checked whole
   * before any of it is sent.
   * @throws InvalidOptionsError / UnknownQueueError, MessageEncodeError, PayloadTooLargeError
   */
  prepare(message: TaskMessage, target: RouteTarget): PreparedTask {
    const route = this.cachedRoute(message.task, target);
    return { message, route, request: this.request(message, route, null) };
  }

  /** Publishes a prepared task (one of a batch) under a publish span of its own. */
  publishPrepared(prepared: PreparedTask): Promise<void> {
    const { message, route, request } = prepared;
    const traced = startPublishSpan(message, route.exchange, route.routingKey);
    if (traced) injectTraceHeaders(traced, request.message.properties.headers);
    const sent = this.send(prepared);
    return traced ? endPublishSpan(traced, sent) : sent;
  }

  /** Why `count` publishes could not all start now (the publisher is closed or has no room), if so. */
  batchRefusal(count: number, what: string): Error | undefined {
    return this.publisher.batchRefusal(count, what);
  }

  /** Declares the topology first when needed, delays the task when it has an eta, then publishes it. */
  private send(prepared: PreparedTask): Promise<void> {
    const { message, route, request } = prepared;
    if (!this.topologyDeclared || route.declare || (message.eta && this.delays)) {
      return this.publishAfterDeclaring(message, route, request);
    }
    return this.publisher.publish(request);
  }

  private async publishAfterDeclaring(
    message: TaskMessage,
    route: ResolvedRoute,
    request: PublishRequest,
  ): Promise<void> {
    await this.declareTopology(route.declare);
    if (message.eta && this.delays) {
      const destination = { exchange: route.exchange, routingKey: route.routingKey };
      let scheduled: boolean;
      try {
        scheduled = await this.delays.schedule(
          request.message,
          destination,
          message.eta.getTime(),
          request.what,
        );
      } catch (err: unknown) {
        if (err instanceof RangeError) throw new InvalidSendOptionsError('eta', err.message);
        throw err;
      }
      if (scheduled) return;
    }
    await this.publisher.publish(request);
  }

  /**
   * Encodes and size-checks a task for its route.
   * @throws MessageEncodeError, PayloadTooLargeError
   */
  private request(
    message: TaskMessage,
    route: ResolvedRoute,
    traced: PublishTrace | null,
  ): PublishRequest {
    const encoded = encodeTask(message, this.options.taskHeaders);
    // Into the fresh headers object encodeTask built: no copy of the message for either.
    const headers = encoded.properties.headers;
    headers[SENT_AT_HEADER] = typedNumber(Date.now());
    if (traced) injectTraceHeaders(traced, headers);
    if (encoded.content.length > this.options.maxPayloadBytes) {
      throw new PayloadTooLargeError(
        message.task,
        encoded.content.length,
        this.options.maxPayloadBytes,
      );
    }
    // In the properties too, so the publisher hands them to amqplib as they are, without a copy.
    encoded.properties.mandatory = true;
    return new TaskPublishRequest(route, encoded, message.task, message.id);
  }

  /** The route of a send without explicit target fields is the task's alone: reused, not rebuilt. */
  private cachedRoute(task: string, target: RouteTarget): ResolvedRoute {
    if (
      target.queue !== undefined ||
      target.exchange !== undefined ||
      target.routingKey !== undefined
    ) {
      return this.router.route(task, target);
    }
    let route = this.routes.get(task);
    if (route === undefined) {
      route = this.router.route(task, target);
      // Bounded, for apps that make task names up at run time.
      if (this.routes.size >= MAX_CACHED_ROUTES) this.routes.clear();
      this.routes.set(task, route);
    }
    return route;
  }

  /** Declares the configured queues once per process, as Celery does before its first publish. */
  private async declareTopology(extra: ResolvedQueue | null): Promise<void> {
    this.topologyReady ??= this.declareConfiguredQueues().then(
      () => {
        this.topologyDeclared = true;
      },
      (err: unknown) => {
        this.topologyReady = undefined;
        throw err;
      },
    );
    await this.topologyReady;
    if (extra) await this.declareQueue(extra);
  }

  private async declareConfiguredQueues(): Promise<void> {
    for (const queue of this.options.queues.values()) await this.declareQueue(queue);
  }

  /** @throws QueueDeclarationError when the broker refuses the declaration (a 406, say) */
  private async declareQueue(queue: ResolvedQueue): Promise<void> {
    await this.publisher.ensureTopology(`queue:${queue.name}`, (channel) =>
      assertQueueTopology(channel, queue).catch((err: unknown) => {
        throw new QueueDeclarationError(queue.name, err);
      }),
    );
    this.publisher.markExchangeKnown(queue.exchange);
  }
}
