import { Logger } from '@nestjs/common';
import type { BrokerConnection } from '../transport/broker-connection.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { ResolvedQueue, ResolvedWorkerOptions } from '../options/task-queue-options.js';
import { QueueConsumer } from '../transport/queue-consumer.js';
import { DeadLetterWatch } from '../transport/dead-letter-watch.js';
import { deadLetterQueueName } from '../options/queue-declarations.js';
import type { ConsumerState, WorkerHealth } from '../runtime/worker-health.js';
import type { TaskRunner } from './task-runner.js';
import { errorStack } from '../errors/error-text.js';

/**
 * Starts one `QueueConsumer` per queue and feeds deliveries to the runner. `close()` is Celery's warm
 * shutdown: cancel the consumers, let running tasks finish within the grace period, give back what has
 * not started, then close the channels (anything still unacked is redelivered by the broker).
 */
export class TaskConsumer {
  private readonly logger = new Logger(TaskConsumer.name);
  private readonly consumers: QueueConsumer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listeners = new Set<(consuming: boolean) => void>();
  private state: ConsumerState = 'idle';
  private closing: Promise<void> | undefined;
  private lastConsuming = false;
  private lostConsumers = false;
  private deadLetterWatch: DeadLetterWatch | undefined;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly queues: readonly ResolvedQueue[],
    private readonly options: ResolvedWorkerOptions,
    private readonly runner: TaskRunner,
    private readonly connectTimeoutMs: number,
  ) {}

  get status(): ConsumerState {
    return this.state;
  }

  /** True when every queue has a consumer attached on the broker right now. */
  get isConsuming(): boolean {
    return this.state === 'running' && this.consumers.every((c) => c.isConsuming);
  }

  /** Deliveries received and not yet settled (running, waiting for an eta or a slot). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  health(): WorkerHealth {
    return {
      state: this.state,
      consuming: this.isConsuming,
      inFlight: this.inFlight.size,
      queues: this.consumers.map((c) => c.health()),
      deadLetters: this.deadLetterWatch?.snapshot() ?? [],
      warnings: this.deadLetterWatch?.warnings() ?? [],
    };
  }

  /**
   * Calls `listener` with `isConsuming` whenever it changes: a queue lost its consumer (a reconnect, a
   * channel error, the queue was deleted) or every queue has one again. Returns a function that removes it.
   */
  onConsumingChange(listener: (consuming: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The queues consumed now. */
  get consumedQueues(): readonly ResolvedQueue[] {
    return this.consumers.map((c) => c.queue);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle')
      throw new IllegalStateError(`Cannot start a worker that is ${this.state}`);
    this.state = 'starting';
    await this.connection.waitForConnect(this.connectTimeoutMs);
    for (const queue of this.queues) await this.consume(queue);
    this.watchDeadLetters();
    this.state = 'running';
    this.consumingMayHaveChanged();
  }

  /** Starts consuming one more queue (Celery's `add_consumer`); false when it is consumed already. */
  async addQueue(queue: ResolvedQueue): Promise<boolean> {
    if (this.state !== 'running') {
      throw new IllegalStateError(`Cannot add a queue to a worker that is ${this.state}`);
    }
    if (this.consumers.some((c) => c.queue.name === queue.name)) return false;
    await this.consume(queue);
    this.consumingMayHaveChanged();
    return true;
  }

  /**
   * Stops consuming a queue (Celery's `cancel_consumer`): no new deliveries; those received already run
   * or go back. False when the queue was not consumed.
   */
  async removeQueue(name: string): Promise<boolean> {
    const consumer = this.consumers.find((c) => c.queue.name === name);
    if (!consumer) return false;
    this.consumers.splice(this.consumers.indexOf(consumer), 1);
    await consumer.stopIntake();
    // Its channel stays open while its deliveries run: they are acked on it.
    void settleWithin([...this.inFlight], this.options.shutdownGraceMs).then(() =>
      consumer.close(),
    );
    this.consumingMayHaveChanged();
    return true;
  }

  private async consume(queue: ResolvedQueue): Promise<void> {
    const consumer = new QueueConsumer(
      this.connection,
      queue,
      this.options.queueLimits[queue.name]?.prefetch ?? this.options.prefetch,
      (delivery) => {
        const work: Promise<void> = this.runner.handle(delivery).then(
          () => {
            this.inFlight.delete(work);
          },
          (err: unknown) => {
            this.inFlight.delete(work);
            // The runner settles every delivery itself; reaching this is a bug, and the message stays
            // unacked until its channel closes, so the broker redelivers it.
            this.logger.error(`Unexpected error handling a delivery: ${errorStack(err)}`);
          },
        );
        this.inFlight.add(work);
      },
      () => {
        this.consumingMayHaveChanged();
      },
      this.options.deadLetters,
    );
    this.consumers.push(consumer);
    await consumer.start();
  }

  /** Idempotent: every call gets the same promise. */
  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  /** Starts the periodic depth check of the dead-letter queues, unless `warnDepth` is null. */
  private watchDeadLetters(): void {
    const { warnDepth, checkIntervalMs } = this.options.deadLetters;
    if (warnDepth === null) return;
    this.deadLetterWatch = new DeadLetterWatch(
      this.connection,
      this.queues.map((q) => deadLetterQueueName(q.name)),
      warnDepth,
      checkIntervalMs,
    );
    this.deadLetterWatch.start();
  }

  /** Tells listeners while running; from draining on, the worker reports its own shutdown. */
  private consumingMayHaveChanged(): void {
    if (this.state !== 'running') return;
    const consuming = this.isConsuming;
    if (consuming === this.lastConsuming) return;
    this.lastConsuming = consuming;
    if (!consuming) {
      const lost = this.consumers.filter((c) => !c.isConsuming).map((c) => `"${c.queue.name}"`);
      this.logger.warn(`Not consuming ${lost.join(', ')} until the consumer is re-attached`);
      this.lostConsumers = true;
    } else if (this.lostConsumers) {
      this.logger.log('Consuming every queue again');
    }
    for (const listener of [...this.listeners]) listener(consuming);
  }

  private async drainAndClose(): Promise<void> {
    this.state = 'draining';
    this.deadLetterWatch?.close();
    // Stop starting tasks first: while basic.cancel makes its round trip a running task may finish, and
    // its slot must not pass to a delivery that was waiting for it.
    this.runner.stopStarting(); //                                     1. give back what has not started
    await Promise.all(this.consumers.map((c) => c.stopIntake())); // 2. no new deliveries
    const drained = await settleWithin([...this.inFlight], this.options.shutdownGraceMs); // 3. let running tasks finish
    if (!drained) {
      this.logger.warn(
        `Shutdown grace of ${this.options.shutdownGraceMs} ms is over with ${this.runner.activeCount} task(s) still running; ` +
          'aborting their signals and leaving them unacked for the broker to redeliver (their promises may still run)',
      );
      this.runner.abortRunning(this.options.shutdownGraceMs);
    }
    await Promise.all(this.consumers.map((c) => c.close())); //         4. close channels
    this.state = 'closed';
    this.listeners.clear();
  }
}

/** Resolves true when every promise settled within `ms`, false otherwise. */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
