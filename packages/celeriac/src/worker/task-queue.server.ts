import { Inject, Injectable } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { TaskPublisher } from '../sending/task-publisher.js';
import { DelayForwarder } from '../delays/delay-forwarder.js';
import { TaskExplorer } from '../discovery/task-explorer.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { DuplicateTaskError } from '../errors/duplicate-task.error.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { TaskMessage } from '../message/task-message.js';
import { applyWorkerOverrides } from '../options/apply-worker-overrides.js';
import type {
  ResolvedQueue,
  ResolvedTaskQueueOptions,
  ResolvedWorkerOptions,
  WorkerOptions,
} from '../options/task-queue-options.js';
import { revocationListener } from '../runtime/create-revocation.js';
import type { RevocationListener } from '../revocation/revocation-listener.js';
import { RESOLVED_OPTIONS, TASK_TRANSPORT } from '../options/task-queue.constants.js';
import { BeatService } from '../runtime/beat.service.js';
import { type TaskQueueHealth, TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { TaskLimits } from '../task/task-limits.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskContext } from '../task/task-context.js';
import { TaskConsumer } from './task-consumer.js';
import { TaskDeclarations } from './task-declarations.js';
import type { TaskDispatcher } from './task-dispatcher.js';
import { createRunner } from './create-runner.js';
import { taskHandlers } from './task-handlers.js';
import { noTasksWarning, stopStartedParts } from './failed-start.js';
import { WorkerListeners } from './worker-listeners.js';
import { WorkerOperations } from './worker-operations.js';
import { errorStack, toError } from '../errors/error-text.js';
import { startMetricsServer } from './metrics-port.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

/** What `status` reports. `consuming` means consumers are attached, not merely that we are connected. */
export type WorkerStatus = 'connecting' | 'consuming' | 'draining' | 'closed';

/**
 * Celeriac's Nest transport strategy: the worker. Consumes the configured queues and dispatches each task
 * to its `@Task()` handler (or a `@MessagePattern(name, TASK_TRANSPORT)` controller method) through
 * Nest's handler map and processing hooks. Thin on purpose: the pipeline lives in `TaskRunner`, the
 * channel lifecycle in `QueueConsumer`.
 *
 * @example
 * const app = await NestFactory.createMicroservice(WorkerModule, {
 *   useFactory: (server: TaskQueueServer) => ({ strategy: server }),
 *   inject: [TaskQueueServer],
 * });
 * await app.listen();
 */
@Injectable()
export class TaskQueueServer
  extends Server<Record<string, never>, WorkerStatus>
  implements CustomTransportStrategy, TaskDispatcher
{
  override readonly transportId = TASK_TRANSPORT;
  private consumer: TaskConsumer | undefined;
  private forwarder: DelayForwarder | undefined;
  private revocations: RevocationListener | undefined;
  private operations: WorkerOperations | undefined;
  private metrics: WorkerMetrics | undefined;
  private closing: Promise<void> | undefined;
  private readonly declarations = new TaskDeclarations();
  private tasksRegistered = false;
  private readonly listeners = new WorkerListeners();

  constructor(
    // Not readonly: configure() may replace the worker options before listen().
    @Inject(RESOLVED_OPTIONS)
    private options: ResolvedTaskQueueOptions,
    private readonly registry: TaskRegistry,
    private readonly runtime: TaskQueueRuntime,
    private readonly explorer: TaskExplorer,
    private readonly beat: BeatService,
  ) {
    super();
  }

  override async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      if (this.consumer) throw new IllegalStateError('TaskQueueServer is already listening');
      this.explorer.discover();
      this.registerTasks();
      this._status$.next('connecting');
      const worker = this.options.worker;
      // First: a taken port stops the start before anything connects.
      if (worker.metricsPort !== null) {
        this.metrics = await startMetricsServer(this.runtime, worker.metricsPort);
        this.logger.log(
          `Serving Prometheus metrics at http://0.0.0.0:${this.metrics.port}/metrics`,
        );
      }
      const publisher = this.runtime.publisher;
      const tasks = new TaskPublisher(this.options, publisher);
      const revocations = revocationListener(this.runtime, this.options);
      this.revocations = revocations;
      const operations = new WorkerOperations({
        options: this.options,
        publisher,
        declarations: this.declarations,
        taskNames: () => this.messageHandlers.keys(),
        shutdown: () => {
          this.remoteShutdown();
        },
      });
      this.operations = operations;
      const runner = createRunner(this, {
        options: this.options,
        runtime: this.runtime,
        tasks,
        revocations,
        events: operations.taskEvents,
        listeners: this.listeners,
      });
      revocations.onTerminate((taskId, reason) => runner.terminate(taskId, reason));
      // Before any task consumer: a worker that starts later never runs a task revoked earlier.
      await revocations.start();
      this.consumer = new TaskConsumer(
        this.runtime.connections.get('consume'),
        worker.queues.map((name) => this.queue(name)),
        worker,
        runner,
        this.options.connectTimeoutMs,
      );
      if (tasks.delays) {
        // Every worker forwards due tasks out of the delay cascade, whichever queues it consumes.
        this.forwarder = new DelayForwarder(
          this.runtime.connections.get('consume'),
          publisher,
          tasks.delays,
          this.options.delayPrefix,
        );
        await this.forwarder.start();
      }
      this.runtime.registerWorker(this.consumer);
      await this.consumer.start();
      operations.start({ runner, consumer: this.consumer, revocations });
      this._status$.next('consuming');
      // 'connecting' again while a queue has no consumer (reconnect, channel error, queue deleted).
      this.consumer.onConsumingChange((consuming) => {
        if (!this.closing) this._status$.next(consuming ? 'consuming' : 'connecting');
      });
      // Like Celery's -B: this worker is also a beat replica (the leader sends the ticks).
      if (worker.beat) await this.beat.start();
      this.logger.log(
        `Worker ${worker.nodeName} consuming ${worker.queues.join(', ')} (concurrency ${worker.concurrency}); ` +
          `tasks: ${[...this.messageHandlers.keys()].sort().join(', ') || 'none'}`,
      );
      if (this.messageHandlers.size === 0) this.logger.warn(noTasksWarning(worker.nodeName));
      callback();
    } catch (err: unknown) {
      await this.unwindFailedStart(err);
      callback(err);
    }
  }

  /**
   * A start that failed half way (a queue declared with other arguments, the broker gone) stops what it
   * started, so nothing consumes tasks for a worker that reported it could not start, and a later
   * `listen()` starts afresh.
   */
  private async unwindFailedStart(cause: unknown): Promise<void> {
    const parts = {
      // stop() is a no-op for a beat that never started.
      beat: { close: () => this.beat.stop() },
      metrics: this.metrics,
      consumer: this.consumer,
      forwarder: this.forwarder,
      operations: this.operations,
      revocations: this.revocations,
    };
    this.consumer = undefined;
    this.metrics = undefined;
    this.forwarder = undefined;
    this.operations = undefined;
    this.revocations = undefined;
    await stopStartedParts(parts, this.logger);
    this._status$.next('closed');
    this.logger.error(
      `The worker failed to start and stopped what it had started: ${errorStack(cause)}`,
    );
  }

  /**
   * Overrides worker options before `listen()` (the worker command line's `-Q`, `-c`, `--prefetch`, `-n`),
   * checked by the same rules as the `worker` option; see `applyWorkerOverrides`.
   *
   * @returns the worker options now in effect
   * @throws InvalidOptionsError naming the field; IllegalStateError once listening
   */
  configure(overrides: WorkerOptions): ResolvedWorkerOptions {
    if (this.consumer)
      throw new IllegalStateError('TaskQueueServer.configure() must be called before listen()');
    this.options = applyWorkerOverrides(this.options, overrides);
    return this.options.worker;
  }

  /**
   * Calls `listener` when remote control asks this worker to shut down (Celery's `shutdown` command);
   * `runWorker` then closes the app as on SIGTERM. Without a listener the worker closes itself.
   * Returns a function that removes it.
   */
  onShutdownRequest(listener: () => void): () => void {
    return this.listeners.onShutdownRequest(listener);
  }

  /**
   * Task events on or off (the worker's `-E`, or the `enable_events` command); before or after `listen()`.
   */
  setTaskEvents(enabled: boolean): void {
    this.options = { ...this.options, events: { ...this.options.events, taskEvents: enabled } };
    this.operations?.setTaskEvents(enabled);
  }

  /**
   * Calls `listener` each time a task handler has returned or thrown, before its result is published and
   * its message acked (a process pool child counts its tasks with it). Returns a function that removes it.
   */
  onTaskRun(listener: (task: string) => void): () => void {
    return this.listeners.onTaskRun(listener);
  }

  /**
   * Calls `listener` when a task passed its hard time limit and its handler ignored its signal: the task
   * was reported failed, but the handler may still run (a process pool child retires on it).
   */
  onTaskAbandoned(listener: (task: string) => void): () => void {
    return this.listeners.onTaskAbandoned(listener);
  }

  /** Warm shutdown (see `TaskConsumer.close`). Idempotent. */
  override close(): Promise<void> {
    this.closing ??= (async () => {
      this._status$.next('draining');
      // The beat first: a draining worker should hand the lead to a replica that keeps running.
      await this.beat.stop();
      // Both at once: task intake must stop now, and held delayed tasks go back to the ready queue
      // at once, so another worker's forwarder fires them on time.
      await Promise.all([this.forwarder?.close(), this.consumer?.close()]);
      // After the drain: the last task events, then worker-offline.
      await this.operations?.close();
      // Last: a terminate still reaches tasks that run during the drain.
      await this.revocations?.close();
      // After the drain, so the last tasks are counted; a final scrape may still come in until here.
      await this.metrics?.close();
      this._status$.next('closed');
    })();
    return this.closing;
  }

  override on(): never {
    throw new IllegalStateError(
      'TaskQueueServer emits no transport events; subscribe to `status` instead',
    );
  }

  /** The running consumer (queues, in-flight count, state). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- Server's signature
  override unwrap<T>(): T {
    if (!this.consumer)
      throw new IllegalStateError('TaskQueueServer is not listening yet; call app.listen() first');
    return this.consumer as T;
  }

  /** The port of the worker's `/metrics` server (`worker.metricsPort`), or null when it serves none. */
  get metricsPort(): number | null {
    return this.metrics?.port ?? null;
  }

  /** True while every configured queue has a consumer attached on the broker. */
  get isConsuming(): boolean {
    return this.consumer?.isConsuming ?? false;
  }

  /** Connections, pending publishes and each queue's consumer, for a health check (see `TaskQueueRuntime`). */
  health(): TaskQueueHealth {
    return this.runtime.health();
  }

  isRegistered(task: string): boolean {
    return this.messageHandlers.has(task);
  }

  ignoresResult(task: string): boolean {
    return this.declarations.ignoresResult(task);
  }

  retryPolicy(task: string): RetryPolicy {
    return this.declarations.retryPolicy(task);
  }

  limitsOf(task: string): TaskLimits {
    return this.declarations.limitsOf(task);
  }

  invoke(message: TaskMessage, ctx: TaskContext): Promise<unknown> {
    const handler = this.messageHandlers.get(message.task);
    if (!handler) return Promise.reject(new IllegalStateError(`No handler for ${message.task}`));
    return new Promise<unknown>((resolve, reject) => {
      this.runWithProcessingHooks(ctx, async (end) => {
        try {
          const out: unknown = await handler(message, ctx);
          resolve(isObservable(out) ? await lastValueFrom(out, { defaultValue: undefined }) : out);
        } catch (err: unknown) {
          reject(toError(err));
        } finally {
          end();
          this.listeners.taskRan(message.task);
        }
      });
    });
  }

  private remoteShutdown(): void {
    if (!this.listeners.shutdownRequested()) void this.close();
  }

  /**
   * Adds every discovered `@Task()` to Nest's handler map, next to any `@MessagePattern` ones. Once: a
   * `listen()` after a failed one finds them there already.
   */
  private registerTasks(): void {
    if (this.tasksRegistered) return;
    for (const task of taskHandlers(this.registry, this.options.brokerConsumerTimeoutMs)) {
      if (this.messageHandlers.has(task.name))
        throw new DuplicateTaskError(task.name, 'a @MessagePattern handler', task.owner);
      this.declarations.declare(task.name, task.ignoreResult, task.retry, task.limits);
      this.addHandler(task.name, task.handler as MessageHandler, false, task.extras);
    }
    this.tasksRegistered = true;
  }

  private queue(name: string): ResolvedQueue {
    const queue = this.options.queues.get(name);
    if (!queue) throw new IllegalStateError(`Queue "${name}" is not configured`);
    return queue;
  }
}
