import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { assertQueueTopology } from '../broker/topology.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';
import { encodeTask } from '../message/encode-task.js';
import { TASK_LANG, type TaskMessage } from '../message/task-message.js';
import type { ResolvedQueue, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { AsyncResult } from '../results/async-result.js';
import { createTaskRouter, type TaskRouter } from '../routing/task-router.js';
import { RESOLVED_OPTIONS } from '../task-queue.constants.js';
import { TaskQueueRuntime } from '../task-queue.runtime.js';
import { resolveSendOptions, type SendOptions } from './send-options.js';
import type { TaskRef } from './task-ref.js';

type Kwargs = Readonly<Record<string, unknown>>;

/**
 * Sends tasks, like Celery's `send_task` / `apply_async`. Resolves only once the broker has confirmed the
 * message (persistent, mandatory), and returns a handle on the result.
 *
 * @example
 * const result = await tasks.send('articles.incr_read_times', [slug], {}, { countdown: 10 });
 * const reads = await result.get({ timeoutMs: 5_000 });
 */
@Injectable()
export class TaskClient {
  private readonly router: TaskRouter;
  private readonly origin = `gen${process.pid}@${hostname()}`;
  private topologyReady: Promise<void> | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
    private readonly runtime: TaskQueueRuntime,
  ) {
    this.router = createTaskRouter(options);
  }

  /**
   * Sends a task by name or typed reference.
   * @throws InvalidSendOptionsError for a bad option, before anything is published
   * @throws PayloadTooLargeError when the message exceeds `maxPayloadBytes`
   * @throws UnroutableError when no queue is bound for the exchange and routing key
   * @throws PublishError when the broker does not confirm within `publishTimeoutMs`
   */
  send<A extends readonly unknown[], R>(
    task: TaskRef<A, R>,
    args: A,
    kwargs?: Kwargs,
    options?: SendOptions,
  ): Promise<AsyncResult<R>>;
  send<R = unknown>(
    task: string,
    args?: readonly unknown[],
    kwargs?: Kwargs,
    options?: SendOptions,
  ): Promise<AsyncResult<R>>;
  async send(
    task: string | TaskRef,
    args: readonly unknown[] = [],
    kwargs: Kwargs = {},
    options: SendOptions = {},
  ): Promise<AsyncResult> {
    const name = typeof task === 'string' ? task : task.name;
    const resolved = resolveSendOptions(options, Date.now());
    const route = this.router.route(name, resolved.route);
    await this.declareTopology(route.declare);

    const id = resolved.taskId ?? randomUUID();
    const wantsResult = !resolved.ignoreResult;
    if (wantsResult) await this.runtime.results.start();
    const message: TaskMessage = {
      id,
      task: name,
      args: [...args],
      kwargs: { ...kwargs },
      embed: { callbacks: null, errbacks: null, chain: null, chord: null },
      rootId: id,
      parentId: null,
      groupId: null,
      groupIndex: null,
      shadow: resolved.shadow,
      eta: resolved.eta,
      expires: resolved.expires,
      retries: 0,
      timeLimit: resolved.timeLimit,
      ignoreResult: resolved.ignoreResult,
      origin: this.origin,
      lang: TASK_LANG,
      extraHeaders: resolved.headers,
      correlationId: id,
      replyTo: wantsResult ? this.runtime.results.replyQueue : null,
      priority: resolved.priority,
    };
    const encoded = encodeTask(message);
    if (encoded.content.length > this.options.maxPayloadBytes) {
      throw new PayloadTooLargeError(name, encoded.content.length, this.options.maxPayloadBytes);
    }

    const handle = wantsResult ? this.runtime.results.track(id) : AsyncResult.ignored(id);
    try {
      await this.runtime.publisher.publish({
        exchange: route.exchange,
        routingKey: route.routingKey,
        message: encoded,
        mandatory: true,
        what: `task "${name}" (id ${id})`,
      });
    } catch (err: unknown) {
      if (wantsResult) this.runtime.results.untrack(id);
      throw err;
    }
    return handle;
  }

  /** Celery's `delay()`: positional args, default options. */
  delay<R = unknown>(task: string, ...args: unknown[]): Promise<AsyncResult<R>> {
    return this.send<R>(task, args);
  }

  /** Declares the configured queues once per process, as Celery does before its first publish. */
  private async declareTopology(extra: ResolvedQueue | null): Promise<void> {
    this.topologyReady ??= this.declareConfiguredQueues().catch((err: unknown) => {
      this.topologyReady = undefined;
      throw err;
    });
    await this.topologyReady;
    if (extra) await this.declareQueue(extra);
  }

  private async declareConfiguredQueues(): Promise<void> {
    for (const queue of this.options.queues.values()) await this.declareQueue(queue);
  }

  private async declareQueue(queue: ResolvedQueue): Promise<void> {
    const publisher = this.runtime.publisher;
    await publisher.ensureTopology(`queue:${queue.name}`, (channel) =>
      assertQueueTopology(channel, queue),
    );
    publisher.markExchangeKnown(queue.exchange);
  }
}
