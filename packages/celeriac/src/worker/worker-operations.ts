import { Logger } from '@nestjs/common';
import type { ControlledWorker, HeldTask } from '../control/controlled-worker.js';
import { registerControlCommands } from '../control/control-commands.js';
import { EventDispatcher } from '../events/event-dispatcher.js';
import { TaskEvents } from '../events/task-events.js';
import { WorkerHeartbeat } from '../events/worker-heartbeat.js';
import type { ResolvedQueue, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import type { RevocationListener } from '../revocation/revocation-listener.js';
import type { Publisher } from '../transport/publisher.js';
import type { TaskConsumer } from './task-consumer.js';
import type { TaskDeclarations } from './task-declarations.js';
import type { TaskRunner } from './task-runner.js';
import type { WaitingTask } from './running-task.js';
import { HeldTasks } from './held-tasks.js';

/** What the worker hands its operations side. */
export interface WorkerOperationsWiring {
  readonly options: ResolvedTaskQueueOptions;
  readonly publisher: Publisher;
  readonly declarations: TaskDeclarations;
  /** The task names this worker runs. */
  readonly taskNames: () => Iterable<string>;
  /** Starts the warm shutdown a remote `shutdown` asks for. */
  readonly shutdown: () => void;
}

/** The running parts, once the worker has built them. */
export interface RunningWorker {
  readonly runner: TaskRunner;
  readonly consumer: TaskConsumer;
  readonly revocations: RevocationListener;
}

/**
 * How a worker is watched and steered, as a Celery worker is: its events (heartbeats, and task events
 * when switched on) and every remote-control command. Built before the runner (which takes its
 * `taskEvents`), started once the consumers run, closed after them so `worker-offline` goes out last.
 */
export class WorkerOperations implements ControlledWorker {
  private readonly logger = new Logger(WorkerOperations.name);
  readonly startedAt = Date.now();
  readonly taskEvents: TaskEvents;
  private readonly dispatcher: EventDispatcher;
  private heartbeat: WorkerHeartbeat | undefined;
  private parts: RunningWorker | undefined;

  constructor(private readonly wiring: WorkerOperationsWiring) {
    this.dispatcher = new EventDispatcher(wiring.publisher, wiring.options.worker.nodeName);
    this.taskEvents = new TaskEvents(this.dispatcher, wiring.options.events.taskEvents);
  }

  get nodeName(): string {
    return this.wiring.options.worker.nodeName;
  }

  get options(): ResolvedTaskQueueOptions {
    return this.wiring.options;
  }

  /** Answers remote control and starts the heartbeats (with `worker-online`). */
  start(parts: RunningWorker): void {
    this.parts = parts;
    const mailbox = parts.revocations.remoteControl;
    if (mailbox) registerControlCommands(mailbox, this);
    if (this.wiring.options.events.workerEvents) {
      this.heartbeat = new WorkerHeartbeat(this.dispatcher, () => ({
        active: parts.runner.activeCount,
        processed: parts.runner.held.processed,
      }));
      this.heartbeat.start();
    }
  }

  /** Sends the last task events and `worker-offline`, and waits for them. */
  async close(): Promise<void> {
    this.dispatcher.flush();
    await this.heartbeat?.stop();
    await this.dispatcher.close();
  }

  clock(): number {
    return this.dispatcher.clockValue;
  }

  registered(): { name: string; ratePerSecond: number | null }[] {
    const { declarations } = this.wiring;
    return [...this.wiring.taskNames()].map((name) => ({
      name,
      ratePerSecond: declarations.limitsOf(name).ratePerSecond,
    }));
  }

  *running(): Iterable<HeldTask> {
    for (const task of this.work().running.values()) {
      yield {
        message: task.message,
        fields: task.delivery.message.fields,
        startedAt: task.startedAt,
      };
    }
  }

  reserved(): Iterable<HeldTask> {
    return waiting(this.work().reserved);
  }

  scheduled(): Iterable<HeldTask> {
    return waiting(this.work().scheduled);
  }

  revokedIds(): readonly string[] {
    return this.parts?.revocations.revokedIds() ?? [];
  }

  totals(): ReadonlyMap<string, number> {
    return this.work().totals;
  }

  concurrency(): number {
    return this.parts?.runner.poolSize ?? this.wiring.options.worker.concurrency;
  }

  consumedQueues(): readonly ResolvedQueue[] {
    return this.parts?.consumer.consumedQueues ?? [];
  }

  setRateLimit(task: string, ratePerSecond: number | null): boolean {
    if (!this.knows(task)) return false;
    this.wiring.declarations.changeLimits(task, { ratePerSecond });
    this.parts?.runner.rateLimitChanged(task);
    this.logger.log(
      `Rate limit of ${task} set to ${ratePerSecond ?? 'none'} per second by remote control`,
    );
    return true;
  }

  setTimeLimits(task: string, hardSeconds: number | null, softSeconds: number | null): boolean {
    if (!this.knows(task)) return false;
    this.wiring.declarations.changeLimits(task, {
      timeLimitMs: hardSeconds === null ? null : hardSeconds * 1000,
      softTimeLimitMs: softSeconds === null ? null : softSeconds * 1000,
    });
    this.logger.log(
      `Time limits of ${task} set to hard ${hardSeconds ?? 'none'} s, soft ${softSeconds ?? 'none'} s by remote control`,
    );
    return true;
  }

  async addConsumer(queue: ResolvedQueue): Promise<boolean> {
    const added = (await this.parts?.consumer.addQueue(queue)) ?? false;
    if (added) this.logger.log(`Consuming "${queue.name}" too, by remote control`);
    return added;
  }

  async cancelConsumer(queue: string): Promise<boolean> {
    const removed = (await this.parts?.consumer.removeQueue(queue)) ?? false;
    if (removed) this.logger.log(`No longer consuming "${queue}", by remote control`);
    return removed;
  }

  resizePool(delta: number): number {
    const size = this.parts?.runner.resizePool(delta) ?? this.wiring.options.worker.concurrency;
    this.logger.log(`Concurrency now ${size}, by remote control`);
    return size;
  }

  setTaskEvents(enabled: boolean): boolean {
    const before = this.taskEvents.enabled;
    this.taskEvents.enabled = enabled;
    if (before !== enabled)
      this.logger.log(`Task events ${enabled ? 'enabled' : 'disabled'} by remote control`);
    return before;
  }

  shutdown(): void {
    this.logger.warn('Got shutdown from remote');
    this.wiring.shutdown();
  }

  private knows(task: string): boolean {
    for (const name of this.wiring.taskNames()) if (name === task) return true;
    return false;
  }

  private work(): HeldTasks {
    return this.parts?.runner.held ?? NOTHING_HELD;
  }
}

/** Before the worker runs, it holds nothing. */
const NOTHING_HELD = new HeldTasks();

function* waiting(tasks: ReadonlyMap<string, WaitingTask>): Iterable<HeldTask> {
  for (const task of tasks.values()) {
    yield { message: task.message, fields: task.delivery.message.fields, startedAt: null };
  }
}
