import { Logger } from '@nestjs/common';
import type { Publisher } from '../transport/publisher.js';
import type { TaskPublisher } from '../sending/task-publisher.js';
import { decodeTask } from '../message/decode-task.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RevocationGate } from '../revocation/revocation-gate.js';
import { LimiterClosedError } from './concurrency-limiter.js';
import { RateLimiterClosedError } from '../task/rate-limit.js';
import { effectiveTimeLimits } from '../task/task-limits.js';
import { callWithTimeLimits, type CallOutcome, type TimeLimitsMs } from './time-limited-call.js';
import type { FailureHandler } from './failure-handler.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { TaskAbort } from '../task/task-abort.js';
import { WorkerShutdownError } from '../errors/worker-shutdown.error.js';
import { TaskContext } from '../task/task-context.js';
import type { TaskEvents } from '../events/task-events.js';
import { HeldTasks } from './held-tasks.js';
import { RunningTask } from './running-task.js';
import type { TaskOutcome } from './task-outcome.js';
import type { TaskDispatcher } from './task-dispatcher.js';
import type { ChordJoiner } from '../canvas/chord-join.js';
import type { TaskReporter, ResultStoring } from '../results/task-reporter.js';
import type { SuccessHandler } from './success-handler.js';
import type { RevokedTasks } from './revoked-tasks.js';
import { outcomeHandlers } from './outcome-handlers.js';
import { afterHold, onArrival } from './admission.js';
import { deferToDelayCascade } from './eta-deferral.js';
import { requeueUntilDue } from './eta-requeue.js';
import { EtaHolds } from './eta-holds.js';
import { undecodable, unknownTask } from './refusals.js';
import { TaskSlots } from './task-slots.js';
import { instrumentedRun } from './instrumented-run.js';
import { type Instruments, UNKNOWN_TASK } from '../runtime/instruments.js';
import { recordTaskException } from '../tracing/task-spans.js';

export type { TaskOutcome } from './task-outcome.js';

export interface TaskRunnerOptions {
  readonly concurrency: number;
  readonly maxPayloadBytes: number;
  readonly nodeName: string;
  /** `origin` header of the messages this worker publishes (`gen<pid>@<host>`). */
  readonly origin: string;
  /** Revoked task ids (`TaskClient.revoke`): never started, and terminated on request. */
  readonly revocations?: RevocationGate;
  /** Told when a task passed its hard time limit and its handler ignored its signal. */
  readonly onAbandoned?: (task: string) => void;
  /** Queues with a lane of their own (`worker.queueLimits`): name → their concurrency. */
  readonly queueConcurrency?: Readonly<Record<string, number>>;
  /** Celery task events; asked `enabled` before each, so they cost nothing while off. */
  readonly events?: TaskEvents;
  /**
   * How long one eta hold may last, in ms; a task due later goes back to its queue then. Below the
   * broker's `consumer_timeout`, which closes the channel of a delivery unacked for longer.
   */
  readonly maxHoldMs: number;
  /** Set with a Redis result backend: results are stored there instead of sent to `reply_to`. */
  readonly results?: ResultStoring | null;
  /** Set with a Redis result backend: joins chord header members. */
  readonly chords?: ChordJoiner | null;
  /** Its `task` observer is told of every delivery (the metrics); none attached costs nothing. */
  readonly instruments?: Instruments;
}

/**
 * The per-delivery pipeline: decode → check (registered, expired, eta) → run → reply → ack.
 * Acks late: only after the result (or the dead letter) is confirmed by the broker, so a worker that
 * dies mid-task leaves the message to be redelivered. Every bad message gets one log line, a dead letter
 * with the reason, and, when the sender waits on a reply queue, a FAILURE or REVOKED result.
 */
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);
  private readonly slots: TaskSlots;
  /** The tasks held now, for terminate and the inspect commands. */
  readonly held = new HeldTasks();
  private readonly holds = new EtaHolds();
  private readonly reporter: TaskReporter;
  private readonly failures: FailureHandler;
  private readonly successes: SuccessHandler;
  private readonly revoked: RevokedTasks;

  constructor(
    private readonly publisher: Publisher,
    private readonly tasks: TaskPublisher,
    private readonly dispatcher: TaskDispatcher,
    private readonly options: TaskRunnerOptions,
    private readonly onOutcome: (outcome: TaskOutcome, task: string | null) => void = () =>
      undefined,
  ) {
    this.slots = new TaskSlots(
      options.concurrency,
      options.queueConcurrency ?? {},
      (task) => dispatcher.limitsOf(task).ratePerSecond,
    );
    const outcomes = outcomeHandlers(publisher, tasks, dispatcher, options);
    this.reporter = outcomes.reporter;
    this.failures = outcomes.failures;
    this.successes = outcomes.successes;
    this.revoked = outcomes.revoked;
  }

  /** Tasks whose handler is running now. */
  get activeCount(): number {
    return this.held.running.size;
  }

  /** Runs one delivery through the pipeline, then reports its outcome (straight, without a pair per task). */
  async handle(delivery: Delivery): Promise<void> {
    const decoded = decodeTask(delivery.message, { maxPayloadBytes: this.options.maxPayloadBytes });
    if (!decoded.ok) {
      // Celery's task-rejected: a message it could not take as a task, dead-lettered, not requeued.
      const events = this.options.events;
      if (events?.enabled && decoded.taskId) events.rejected(decoded.taskId, false);
      await this.reporter.reject(delivery, undecodable(decoded));
      this.options.instruments?.task?.finished(
        decoded.task ?? UNKNOWN_TASK,
        delivery.queue.name,
        'rejected',
      );
      this.onOutcome('rejected', decoded.task);
      return;
    }
    const message = decoded.message;
    const observer = this.options.instruments?.task ?? null;
    observer?.received(message.task, delivery.queue.name);
    const outcome = await this.admit(delivery, message);
    observer?.finished(message.task, delivery.queue.name, outcome);
    this.onOutcome(outcome, message.task);
  }

  /** The task's rate limit changed (`rate_limit` command): its next task waits at the new rate. */
  rateLimitChanged(task: string): void {
    this.slots.rateLimitChanged(task);
  }

  /** Tasks the shared pool runs at once now. */
  get poolSize(): number {
    return this.slots.sharedPool.size;
  }

  /** Grows or shrinks the shared pool by `delta` slots; returns its new size. */
  resizePool(delta: number): number {
    const pool = this.slots.sharedPool;
    pool.resize(pool.size + delta);
    return pool.size;
  }

  /** Stop starting tasks: deliveries waiting for an eta or a slot go back to the queue. */
  stopStarting(): void {
    this.slots.close();
    this.holds.releaseAll();
  }

  /** Aborts the `ctx.signal` of the task with this id, if it runs here (a revoke with `terminate`). */
  terminate(taskId: string, reason: Error): boolean {
    const abort = this.held.running.get(taskId);
    abort?.abort(reason);
    return abort !== undefined;
  }

  /**
   * Worker shutdown past its grace: every running handler's `ctx.signal` aborts with a
   * `WorkerShutdownError`, and whatever the handler does next, its task is left for redelivery (see `run`).
   */
  abortRunning(graceMs: number): void {
    for (const abort of this.held.running.values()) abort.abort(new WorkerShutdownError(graceMs));
  }

  /** The checks a decoded task passes before it may take a slot (decided in `admission.ts`). */
  private async admit(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    const delays = this.tasks.delays;
    const arrival = onArrival(
      this.dispatcher.isRegistered(message.task),
      message.expires,
      message.eta,
      delays !== null,
      Date.now(),
    );
    const events = this.options.events;
    if (arrival === 'unknown-task') {
      // Celery reports a task nobody registered as failed with NotRegistered.
      if (events?.enabled) events.unknownTask(message.id, message.task);
      await this.reporter.reject(delivery, unknownTask(message, this.options.nodeName));
      return 'rejected';
    }
    if (events?.enabled) events.received(message);
    if (arrival === 'expired') return this.revoked.expire(delivery, message);
    // Awaited only when the gate has to wait (a re-sync): an await per check costs a promise and a turn.
    const revoked = this.options.revocations?.isRevoked(message.id);
    if (revoked === true || (revoked instanceof Promise && (await revoked))) {
      return this.revoked.refuse(delivery, message);
    }
    if (arrival === 'defer' && delays) {
      return deferToDelayCascade(delivery, message, delays, this.reporter);
    }
    if (arrival === 'hold' && message.eta) {
      const eta = message.eta.getTime();
      const until = Math.min(eta, Date.now() + this.options.maxHoldMs);
      this.held.scheduled.set(message.id, { message, delivery });
      const reached = await this.holds.until(until);
      this.held.scheduled.delete(message.id);
      const held = afterHold(reached, until < eta, message.expires, Date.now());
      if (held === 'give-back') return this.giveBack(delivery);
      if (held === 'expired') return this.revoked.expire(delivery, message);
      if (held === 'requeue')
        return requeueUntilDue(delivery, message, this.publisher, this.reporter);
    }

    // The rate limit is waited for before taking a slot, so tasks of other names keep flowing.
    const rate = this.slots.rateLimiterOf(message.task);
    const slots = this.slots.laneOf(delivery.queue.name);
    // Only a task that has to wait is listed as reserved: the common path pays nothing for it.
    const waits = rate !== null || slots.full;
    if (waits) this.held.reserved.set(message.id, { message, delivery });
    try {
      // Not `await rate?.acquire()`: awaiting undefined would still cost a turn per task.
      if (rate) await rate.acquire();
      await slots.acquire();
    } catch (err: unknown) {
      if (waits) this.held.reserved.delete(message.id);
      if (err instanceof LimiterClosedError || err instanceof RateLimiterClosedError) {
        return this.giveBack(delivery);
      }
      throw err;
    }
    if (waits) this.held.reserved.delete(message.id);
    try {
      // Its channel closed while it waited for an eta or a slot: the broker redelivers it, so running
      // this copy would only make a duplicate (and its ack could not be sent anyway).
      if (delivery.stale) return 'requeued';
      // Again, just before starting: it may have been revoked during an eta hold or the wait for a slot.
      const revokedSince = this.options.revocations?.isRevoked(message.id);
      if (revokedSince === true || (revokedSince instanceof Promise && (await revokedSince))) {
        return await this.revoked.refuse(delivery, message);
      }
      return await instrumentedRun(message, delivery, this.options.instruments?.task ?? null, () =>
        this.run(delivery, message),
      );
    } finally {
      slots.release();
    }
  }

  private async run(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    const abort = new RunningTask(message, delivery, Date.now());
    const events = this.options.events;
    // A number, not an object: with events off this costs nothing per task.
    let startedAt = 0;
    if (events?.enabled) {
      events.started(message.id);
      startedAt = performance.now();
    }
    const ctx = new TaskContext(
      message,
      delivery.message.fields,
      delivery.queue.name,
      this.options.nodeName,
      abort,
    );
    this.held.running.set(message.id, abort);
    const limits = effectiveTimeLimits(message.timeLimit, this.dispatcher.limitsOf(message.task));
    let outcome: CallOutcome;
    try {
      if (limits.hardMs === null && limits.softMs === null) {
        // Most tasks have no time limit: awaited here, without the two closures and the extra async
        // frame that callWithTimeLimits costs per task.
        try {
          outcome = { ok: true, value: await this.invoke(message, ctx, abort) };
        } catch (thrown: unknown) {
          outcome = { ok: false, thrown };
        }
      } else {
        outcome = await callWithTimeLimits(
          () => this.invoke(message, ctx, abort),
          abort,
          limits,
          () => {
            this.passedHardLimit(message, limits);
          },
        );
      }
    } finally {
      this.held.finished(abort);
    }
    if (this.options.revocations?.wasTerminated(message.id)) {
      return this.revoked.refuse(delivery, message, 'terminated');
    }
    // Stopped by the shutdown, or finished after its channel closed: the broker delivers it again, so
    // reporting this run too would give the task two outcomes.
    if (abort.reason instanceof WorkerShutdownError && (!outcome.ok || delivery.stale)) {
      return this.giveBack(delivery);
    }
    if (!outcome.ok) {
      recordTaskException(outcome.thrown);
      const failed = await this.failures.afterThrow(delivery, message, outcome.thrown);
      if (events?.enabled) {
        if (failed === 'retried') events.retried(message.id, outcome.thrown);
        else if (failed === 'failed') events.failed(message.id, outcome.thrown);
      }
      return failed;
    }
    const wantsResult = !message.ignoreResult && !this.dispatcher.ignoresResult(message.task);
    const succeeded = await this.successes.afterReturn(
      delivery,
      message,
      outcome.value,
      wantsResult,
    );
    // startedAt is 0 when events were switched on while the task ran: no runtime to report then.
    if (events?.enabled && succeeded === 'succeeded' && startedAt > 0) {
      events.succeeded(message.id, outcome.value, (performance.now() - startedAt) / 1000);
    }
    return succeeded;
  }

  /** Starts the handler; a terminating revoke gives it the grace to stop (see `RevocationGate`). */
  private invoke(message: TaskMessage, ctx: TaskContext, abort: TaskAbort): Promise<unknown> {
    const running = this.dispatcher.invoke(message, ctx);
    return this.options.revocations?.whileRunning(message, abort, running) ?? running;
  }

  private passedHardLimit(message: TaskMessage, limits: TimeLimitsMs): void {
    this.logger.warn(
      `Task ${message.task}[${message.id}] passed its hard time limit (${String((limits.hardMs ?? 0) / 1000)} s): ` +
        'reported failed and its slot freed; the handler ignored its signal and may still be running',
    );
    this.options.onAbandoned?.(message.task);
  }

  private giveBack(delivery: Delivery): TaskOutcome {
    delivery.requeue();
    return 'requeued';
  }
}
