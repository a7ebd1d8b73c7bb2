import { Logger } from '@nestjs/common';
import type { Publisher } from '../transport/publisher.js';
import type { TaskPublisher } from '../sending/task-publisher.js';
import { withoutDelayHeaders } from '../delays/delay-headers.js';
import { HOLD_LIMIT_MS } from '../delays/delay-plan.js';
import type { DelayScheduler } from '../delays/delay-scheduler.js';
import { decodeTask, type DecodeFailureReason } from '../message/decode-task.js';
import { invalidTask, notRegistered, taskRevoked } from '../message/exception-info.js';
import type { ExceptionInfo } from '../message/result-message.js';
import { republishable } from '../message/republish.js';
import type { TaskMessage } from '../message/task-message.js';
import { revokedRejection, type RevocationGate } from '../revocation/revocation-gate.js';
import { ConcurrencyLimiter, LimiterClosedError } from './concurrency-limiter.js';
import { RateLimiter, RateLimiterClosedError } from '../task/rate-limit.js';
import { effectiveTimeLimits, type TaskLimits } from '../task/task-limits.js';
import { callWithTimeLimits, type CallOutcome, type TimeLimitsMs } from './time-limited-call.js';
import { FailureHandler } from './failure-handler.js';
import { FollowUpPublisher } from './follow-up-publisher.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import { TaskAbort } from '../task/task-abort.js';
import { TaskContext } from '../task/task-context.js';
import type { TaskOutcome } from './task-outcome.js';
import { ResultEncodeError, TaskReporter, type Rejection } from '../results/task-reporter.js';

export type { TaskOutcome } from './task-outcome.js';

/** How the runner reaches the handlers; implemented by `TaskQueueServer` over Nest's handler map. */
export interface TaskDispatcher {
  isRegistered(task: string): boolean;
  /** True when the task's handler never sends a SUCCESS result. */
  ignoresResult(task: string): boolean;
  invoke(message: TaskMessage, ctx: TaskContext): Promise<unknown>;
  /** The task's retry options (`@Task({ maxRetries, autoretryFor, ... })`), with defaults applied. */
  retryPolicy(task: string): RetryPolicy;
  /** The task's time and rate limits (`@Task({ timeLimit, softTimeLimit, rateLimit })`). */
  limitsOf(task: string): TaskLimits;
}

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
}

/**
 * The per-delivery pipeline: decode → check (registered, expired, eta) → run → reply → ack.
 * Acks late: only after the result (or the dead letter) is confirmed by the broker, so a worker that
 * dies mid-task leaves the message to be redelivered. Every bad message gets one log line, a dead letter
 * with the reason, and, when the sender waits on a reply queue, a FAILURE or REVOKED result.
 */
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);
  /** Shared by every queue without a lane of its own. */
  private readonly slots: ConcurrencyLimiter;
  /** Queues with their own concurrency: `hipri` can run 50 while `reports` runs 2. */
  private readonly lanes = new Map<string, ConcurrencyLimiter>();
  private readonly running = new Map<string, TaskAbort>();
  private readonly holds = new Set<{ timer: NodeJS.Timeout | undefined; wake: () => void }>();
  private readonly reporter: TaskReporter;
  private readonly followUps: FollowUpPublisher;
  private readonly failures: FailureHandler;
  private stopping = false;
  /** One per task name that has a rate limit (null: looked up, none), created on first use. */
  private readonly rateLimiters = new Map<string, RateLimiter | null>();

  constructor(
    publisher: Publisher,
    private readonly tasks: TaskPublisher,
    private readonly dispatcher: TaskDispatcher,
    private readonly options: TaskRunnerOptions,
    private readonly onOutcome: (outcome: TaskOutcome, task: string | null) => void = () =>
      undefined,
  ) {
    this.slots = new ConcurrencyLimiter(options.concurrency);
    for (const [queue, concurrency] of Object.entries(options.queueConcurrency ?? {})) {
      this.lanes.set(queue, new ConcurrencyLimiter(concurrency));
    }
    this.reporter = new TaskReporter(publisher);
    this.followUps = new FollowUpPublisher(tasks, options.origin, (taskId, replyTo, exception) =>
      this.reporter.sendResult(replyTo, taskId, taskId, 'FAILURE', null, {
        info: exception,
        traceback: null,
      }),
    );
    this.failures = new FailureHandler(this.reporter, this.followUps, {
      tasks,
      origin: options.origin,
      policyOf: (task) => dispatcher.retryPolicy(task),
    });
  }

  /** Tasks whose handler is running now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** Runs one delivery through the pipeline, then reports its outcome (straight, without a pair per task). */
  async handle(delivery: Delivery): Promise<void> {
    const decoded = decodeTask(delivery.message, { maxPayloadBytes: this.options.maxPayloadBytes });
    if (!decoded.ok) {
      await this.reporter.reject(delivery, {
        reason: decoded.reason,
        detail: decoded.detail,
        taskId: decoded.taskId,
        task: decoded.task,
        replyTo: decoded.replyTo,
        correlationId: decoded.correlationId,
        exception: decodeFailureException(decoded.reason, decoded.detail),
        state: 'FAILURE',
        retries: 0,
      });
      this.onOutcome('rejected', decoded.task);
      return;
    }
    const message = decoded.message;
    this.onOutcome(await this.admit(delivery, message), message.task);
  }

  /** Stop starting tasks: deliveries waiting for an eta or a slot go back to the queue. */
  stopStarting(): void {
    this.stopping = true;
    this.slots.close();
    for (const lane of this.lanes.values()) lane.close();
    for (const limiter of this.rateLimiters.values()) limiter?.close();
    for (const hold of this.holds) {
      clearTimeout(hold.timer);
      hold.wake();
    }
    this.holds.clear();
  }

  /** Aborts the `ctx.signal` of the task with this id, if it runs here (a revoke with `terminate`). */
  terminate(taskId: string, reason: Error): boolean {
    const abort = this.running.get(taskId);
    abort?.abort(reason);
    return abort !== undefined;
  }

  /** Ask every running handler to stop (its `ctx.signal` aborts). */
  abortRunning(reason: string): void {
    for (const abort of this.running.values()) abort.abort(new Error(reason));
  }

  /** The checks a decoded task passes before it may take a slot. */
  private async admit(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    if (!this.dispatcher.isRegistered(message.task)) {
      await this.reporter.reject(delivery, {
        reason: 'unknown-task',
        detail: `no handler is registered for "${message.task}" on ${this.options.nodeName}`,
        ...replyAddress(message),
        exception: notRegistered(message.task),
        state: 'FAILURE',
        retries: message.retries,
      });
      return 'rejected';
    }
    if (isExpired(message)) return this.revokeExpired(delivery, message);
    // Awaited only when the gate has to wait (a re-sync): an await per check costs a promise and a turn.
    const revoked = this.options.revocations?.isRevoked(message.id);
    if (revoked === true || (revoked instanceof Promise && (await revoked))) {
      return this.refuseRevoked(delivery, message);
    }

    if (message.eta && message.eta.getTime() > Date.now()) {
      // Not held unacked for long: that would pin prefetch slots and trip the broker's consumer_timeout.
      const delays = this.tasks.delays;
      if (delays && message.eta.getTime() - Date.now() > HOLD_LIMIT_MS) {
        return this.defer(delivery, message, delays);
      }
      const reached = await this.holdUntil(message.eta.getTime());
      if (!reached) return this.giveBack(delivery);
      if (isExpired(message)) return this.revokeExpired(delivery, message);
    }

    // The rate limit is waited for before taking a slot, so tasks of other names keep flowing.
    const rate = this.rateLimiterOf(message.task);
    const slots = this.lanes.get(delivery.queue.name) ?? this.slots;
    try {
      // Not `await rate?.acquire()`: awaiting undefined would still cost a turn per task.
      if (rate) await rate.acquire();
      await slots.acquire();
    } catch (err: unknown) {
      if (err instanceof LimiterClosedError || err instanceof RateLimiterClosedError) {
        return this.giveBack(delivery);
      }
      throw err;
    }
    try {
      // Its channel closed while it waited for an eta or a slot: the broker redelivers it, so running
      // this copy would only make a duplicate (and its ack could not be sent anyway).
      if (delivery.stale) return 'requeued';
      // Again, just before starting: it may have been revoked during an eta hold or the wait for a slot.
      const revokedSince = this.options.revocations?.isRevoked(message.id);
      if (revokedSince === true || (revokedSince instanceof Promise && (await revokedSince))) {
        return await this.refuseRevoked(delivery, message);
      }
      return await this.run(delivery, message);
    } finally {
      slots.release();
    }
  }

  private async run(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    const abort = new TaskAbort();
    const ctx = new TaskContext(
      message,
      delivery.message.fields,
      delivery.queue.name,
      this.options.nodeName,
      abort,
    );
    this.running.set(message.id, abort);
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
      this.running.delete(message.id);
    }
    if (this.options.revocations?.wasTerminated(message.id)) {
      return this.refuseRevoked(delivery, message, 'terminated');
    }
    if (!outcome.ok) return this.failures.afterThrow(delivery, message, outcome.thrown);
    return this.succeed(delivery, message, outcome.value);
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

  private async succeed(
    delivery: Delivery,
    message: TaskMessage,
    value: unknown,
  ): Promise<TaskOutcome> {
    const wantsResult = !message.ignoreResult && !this.dispatcher.ignoresResult(message.task);
    try {
      // Follow-ups go out before the result, as in Celery, so the result can name them as children.
      const children = await this.followUps.afterSuccess(message, value);
      if (wantsResult) await this.reporter.reply(message, 'SUCCESS', value ?? null, null, children);
      // Guarded: the hot path should not build a string per task that no logger prints.
      if (Logger.isLevelEnabled('debug'))
        this.logger.debug(`Task ${message.task}[${message.id}] succeeded`);
      delivery.ack();
      return 'succeeded';
    } catch (err: unknown) {
      if (err instanceof ResultEncodeError) {
        // Celery reports a return value it cannot serialize as kombu's EncodeError.
        const info: ExceptionInfo = {
          excType: 'EncodeError',
          excModule: 'kombu.exceptions',
          excMessage: [err.message],
        };
        return this.failures.handle(delivery, message, { info, traceback: null });
      }
      this.reporter.requeueAfterBrokerError(delivery, `task ${message.task}[${message.id}]`, err);
      return 'requeued';
    }
  }

  /** REVOKED to the caller, a dead letter with reason `revoked`, then the ack. */
  private async refuseRevoked(
    delivery: Delivery,
    message: TaskMessage,
    how: 'revoked' | 'terminated' = 'revoked',
  ): Promise<TaskOutcome> {
    await this.reporter.reject(delivery, revokedRejection(message, how));
    return 'revoked';
  }

  private async revokeExpired(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    await this.reporter.reject(delivery, {
      reason: 'expired',
      detail: `expired at ${message.expires?.toISOString() ?? '?'}`,
      ...replyAddress(message),
      exception: taskRevoked('expired'),
      state: 'REVOKED',
      retries: message.retries,
    });
    return 'revoked';
  }

  /**
   * Moves a task that is not due for a while into the delay cascade, back to the queue it came from, and
   * acks it once the broker confirmed the copy (a Python client puts the eta in the header and publishes
   * straight to the queue).
   */
  private async defer(
    delivery: Delivery,
    message: TaskMessage,
    delays: DelayScheduler,
  ): Promise<TaskOutcome> {
    const fields = delivery.message.fields;
    const destination =
      fields.exchange === ''
        ? { exchange: '', routingKey: delivery.queue.name }
        : { exchange: fields.exchange, routingKey: fields.routingKey };
    const headers = delivery.message.properties.headers ?? {};
    const what = `task ${message.task}[${message.id}] into the delay cascade`;
    try {
      await delays.schedule(
        republishable(delivery.message, withoutDelayHeaders(headers)),
        destination,
        message.eta?.getTime() ?? Date.now(),
        what,
      );
    } catch (err: unknown) {
      if (err instanceof RangeError) {
        await this.reporter.reject(delivery, {
          reason: 'bad-header',
          detail: err.message,
          ...replyAddress(message),
          exception: invalidTask(`bad-header: ${err.message}`),
          state: 'FAILURE',
          retries: message.retries,
        });
        return 'rejected';
      }
      this.reporter.requeueAfterBrokerError(delivery, what, err);
      return 'requeued';
    }
    delivery.ack();
    return 'deferred';
  }

  private rateLimiterOf(task: string): RateLimiter | null {
    let limiter = this.rateLimiters.get(task);
    if (limiter === undefined) {
      const perSecond = this.dispatcher.limitsOf(task).ratePerSecond;
      limiter = perSecond === null ? null : new RateLimiter(perSecond);
      this.rateLimiters.set(task, limiter);
    }
    return limiter;
  }

  /** Resolves true at `at`, or false as soon as the worker stops starting tasks. */
  private holdUntil(at: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const hold = {
        timer: undefined as NodeJS.Timeout | undefined,
        wake: () => {
          resolve(false);
        },
      };
      // Node's timers can fire a millisecond early: a task must never start before its eta.
      const fire = (): void => {
        const left = at - Date.now();
        if (left > 0) {
          hold.timer = setTimeout(fire, left);
          return;
        }
        this.holds.delete(hold);
        resolve(true);
      };
      hold.timer = setTimeout(fire, Math.max(0, at - Date.now()));
      this.holds.add(hold);
    });
  }

  private giveBack(delivery: Delivery): TaskOutcome {
    delivery.requeue();
    return 'requeued';
  }
}

function replyAddress(
  m: TaskMessage,
): Pick<Rejection, 'taskId' | 'task' | 'replyTo' | 'correlationId'> {
  return { taskId: m.id, task: m.task, replyTo: m.replyTo, correlationId: m.correlationId };
}

function isExpired(message: TaskMessage): boolean {
  return message.expires !== null && message.expires.getTime() <= Date.now();
}

/** The exception a Python caller sees for a message we refused to decode: classes its process has loaded. */
function decodeFailureException(reason: DecodeFailureReason, detail: string): ExceptionInfo {
  if (reason === 'content-type') {
    return { excType: 'ContentDisallowed', excModule: 'kombu.exceptions', excMessage: [detail] };
  }
  return invalidTask(`${reason}: ${detail}`);
}
