import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { TaskRegistry } from '../discovery/task-registry.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { decodeTask } from '../message/decode-task.js';
import type { TaskMessage } from '../message/task-message.js';
import type { ResolvedQueue, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { TaskPublisher } from '../sending/task-publisher.js';
import type { Delivery } from '../transport/queue-consumer.js';
import { TaskRunner, type TaskOutcome } from '../worker/task-runner.js';
import type { QueuedMessage } from './in-memory-broker.js';
import { InMemoryDispatcher } from './in-memory-dispatcher.js';
import { InMemoryRuntime } from './in-memory-runtime.js';
import { TestClock } from './test-clock.js';
import { TESTING_MODE, type TestingMode } from './testing-mode.js';

/** A task waiting in a queue, as the codec decoded it. */
export interface SentTask {
  readonly id: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly queue: string;
  readonly eta: Date | null;
  readonly retries: number;
}

/** Which waiting tasks `sent()` lists. */
export interface SentFilter {
  readonly task?: string | { readonly name: string };
  readonly queue?: string;
}

/** What `runNext()` ran, and how it ended on the worker. */
export interface TaskRun {
  readonly task: SentTask;
  readonly outcome: TaskOutcome;
}

/** How many runs `runAll()` allows before it decides a task keeps sending itself. */
const MAX_RUNS = 10_000;

/**
 * Drives the in-memory queues of `TaskQueueTestingModule`: lists what was sent, and runs it on the
 * library's own worker pipeline (`TaskRunner`: decode, expiry, retries with their backoff, results,
 * chain steps and callbacks, dead letters). Time is `Date.now()`: `advance()` moves it, and so do
 * Vitest's or Jest's fake timers; a task whose eta has not come is not due.
 */
@Injectable()
export class TaskQueueTester implements OnModuleDestroy {
  private readonly clock = new TestClock();
  private readonly runtime: InMemoryRuntime;
  private runner: TaskRunner | undefined;
  private dispatcher: InMemoryDispatcher | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
    runtime: TaskQueueRuntime,
    private readonly registry: TaskRegistry,
    @Inject(TESTING_MODE) readonly mode: TestingMode,
  ) {
    if (!(runtime instanceof InMemoryRuntime)) {
      throw new IllegalStateError('TaskQueueTester needs TaskQueueTestingModule');
    }
    this.runtime = runtime;
  }

  /** Tasks waiting in the queues (sent, retried, or published by a finished step), oldest first. */
  sent(filter: SentFilter = {}): SentTask[] {
    const name = typeof filter.task === 'object' ? filter.task.name : filter.task;
    return this.waiting()
      .map((entry) => describe(entry))
      .filter((t): t is SentTask => t !== null)
      .filter(
        (t) => (name === undefined || t.task === name) && (filter.queue ?? t.queue) === t.queue,
      );
  }

  /** Dead letters, as the worker published them (`<queue>.dead`). */
  deadLetters(queue = this.options.defaultQueue): SentTask[] {
    return this.runtime.broker
      .messages(`${queue}.dead`)
      .map((entry) => describe(entry))
      .filter((t): t is SentTask => t !== null);
  }

  /** The next run of `task` (any task when omitted) throws `error` instead of running its handler. */
  failNext(error: Error, task?: string | { readonly name: string }): void {
    const name = typeof task === 'object' ? task.name : (task ?? null);
    this.worker().dispatcher.failNext(name, error);
  }

  /**
   * Moves time forward by `ms` (see `TestClock`): a countdown, an eta or a retry's backoff comes due.
   * Nothing runs by itself; `runDue()` or `runAll()` then runs what is due.
   */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  onModuleDestroy(): void {
    this.clock.restore();
  }

  /** Runs the oldest task that is due now; null when none is. */
  async runNext(): Promise<TaskRun | null> {
    const entry = this.waiting().find((e) => isDue(e, Date.now()));
    if (!entry) return null;
    return this.run(entry);
  }

  /** Runs every task that is due now, once each; what they publish waits for the next call. */
  async runDue(): Promise<TaskRun[]> {
    const now = Date.now();
    const runs: TaskRun[] = [];
    for (const entry of this.waiting().filter((e) => isDue(e, now)))
      runs.push(await this.run(entry));
    return runs;
  }

  /** Runs due tasks, and the due tasks they publish (chain steps, callbacks), until none is due. */
  async runAll(): Promise<TaskRun[]> {
    const runs: TaskRun[] = [];
    for (let run = await this.runNext(); run; run = await this.runNext()) {
      runs.push(run);
      if (runs.length >= MAX_RUNS) {
        throw new IllegalStateError(`runAll() ran ${MAX_RUNS} tasks: a task keeps sending itself`);
      }
    }
    return runs;
  }

  private async run(entry: QueuedMessage): Promise<TaskRun> {
    const { runner } = this.worker();
    const task = describe(entry);
    if (!task)
      throw new IllegalStateError(`Not a task: a message on ${entry.queue} does not decode`);
    this.runtime.broker.take(entry);
    const seen: { outcome: TaskOutcome } = { outcome: 'rejected' };
    this.lastOutcome = (outcome) => {
      seen.outcome = outcome;
    };
    await runner.handle(this.delivery(entry));
    return { task, outcome: seen.outcome };
  }

  /** Where the runner's outcome report for the delivery being run goes. */
  private lastOutcome: (outcome: TaskOutcome) => void = () => undefined;

  private delivery(entry: QueuedMessage): Delivery {
    const broker = this.runtime.broker;
    return {
      message: entry.message,
      queue: this.queue(entry.queue),
      ack: () => undefined,
      requeue: () => {
        broker.requeue(entry);
      },
      stale: false,
    };
  }

  private queue(name: string): ResolvedQueue {
    return (
      this.options.queues.get(name) ?? {
        name,
        exchange: '',
        exchangeType: 'direct',
        bindingKeys: [],
        type: 'classic',
        arguments: {},
      }
    );
  }

  /** The consumed queues' messages: every configured queue and the worker's, not dead letters. */
  private waiting(): QueuedMessage[] {
    const consumed = new Set([...this.options.queues.keys(), ...this.options.worker.queues]);
    return this.runtime.broker.all().filter((e) => consumed.has(e.queue));
  }

  private worker(): { runner: TaskRunner; dispatcher: InMemoryDispatcher } {
    if (this.mode === 'record') {
      throw new IllegalStateError(
        "TaskQueueTestingModule is in 'record' mode: it keeps what was sent and runs nothing",
      );
    }
    if (!this.runner || !this.dispatcher) {
      // Built on first use: the explorer registers the app's @Task() handlers when the module inits.
      const dispatcher = new InMemoryDispatcher(this.registry);
      const publisher = this.runtime.publisher;
      this.runner = new TaskRunner(
        publisher,
        new TaskPublisher(this.options, publisher),
        dispatcher,
        {
          concurrency: this.options.worker.concurrency,
          maxPayloadBytes: this.options.maxPayloadBytes,
          nodeName: 'celeriac-testing',
          origin: `gen${process.pid}@celeriac-testing`,
          maxHoldMs: this.options.brokerConsumerTimeoutMs,
          revocations: this.runtime.revocations,
        },
        (outcome) => {
          this.lastOutcome(outcome);
        },
      );
      this.dispatcher = dispatcher;
      const runner = this.runner;
      this.runtime.revocations.onTerminate((taskId, reason) => runner.terminate(taskId, reason));
    }
    return { runner: this.runner, dispatcher: this.dispatcher };
  }
}

function describe(entry: QueuedMessage): SentTask | null {
  const decoded = decodeTask(entry.message);
  if (!decoded.ok) return null;
  const m: TaskMessage = decoded.message;
  return {
    id: m.id,
    task: m.task,
    args: m.args,
    kwargs: m.kwargs,
    queue: entry.queue,
    eta: m.eta,
    retries: m.retries,
  };
}

function isDue(entry: QueuedMessage, now: number): boolean {
  const task = describe(entry);
  return task !== null && (task.eta === null || task.eta.getTime() <= now);
}
