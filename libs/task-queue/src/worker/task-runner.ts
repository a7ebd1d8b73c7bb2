import { Logger } from '@nestjs/common';
import type { Publisher } from '../client/publisher.js';
import type { TaskPublisher } from '../client/task-publisher.js';
import { decodeTask, type DecodeFailureReason } from '../message/decode-task.js';
import { encodeResult } from '../message/encode-result.js';
import {
  exceptionToInfo,
  invalidTask,
  notRegistered,
  taskRevoked,
  type ThrownException,
} from '../message/exception-info.js';
import type { ExceptionInfo, TaskState } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import { ConcurrencyLimiter, LimiterClosedError } from './concurrency-limiter.js';
import { buildDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { FollowUpPublisher } from './follow-up-publisher.js';
import type { Delivery } from './queue-consumer.js';
import { TaskContext } from './task-context.js';
import { errorMessage } from '../errors/error-text.js';

/** How the runner reaches the handlers; implemented by `TaskQueueServer` over Nest's handler map. */
export interface TaskDispatcher {
  isRegistered(task: string): boolean;
  /** True when the task's handler never sends a SUCCESS result. */
  ignoresResult(task: string): boolean;
  invoke(message: TaskMessage, ctx: TaskContext): Promise<unknown>;
}

export interface TaskRunnerOptions {
  readonly concurrency: number;
  readonly maxPayloadBytes: number;
  readonly nodeName: string;
  /** `origin` header of the messages this worker publishes (`gen<pid>@<host>`). */
  readonly origin: string;
}

/** What happened to one delivery; for metrics and tests. */
export type TaskOutcome = 'succeeded' | 'failed' | 'rejected' | 'revoked' | 'requeued';

/**
 * The per-delivery pipeline: decode → check (registered, expired, eta) → run → reply → ack.
 * Acks late: only after the result (or the dead letter) is confirmed by the broker, so a worker that
 * dies mid-task leaves the message to be redelivered. Every bad message gets one log line, a dead letter
 * with the reason, and, when the sender waits on a reply queue, a FAILURE or REVOKED result.
 */
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);
  private readonly slots: ConcurrencyLimiter;
  private readonly running = new Map<string, AbortController>();
  private readonly holds = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private stopping = false;

  private readonly followUps: FollowUpPublisher;

  constructor(
    private readonly publisher: Publisher,
    tasks: TaskPublisher,
    private readonly dispatcher: TaskDispatcher,
    private readonly options: TaskRunnerOptions,
    private readonly onOutcome: (outcome: TaskOutcome, task: string | null) => void = () =>
      undefined,
  ) {
    this.slots = new ConcurrencyLimiter(options.concurrency);
    this.followUps = new FollowUpPublisher(tasks, options.origin, (taskId, replyTo, exception) =>
      this.sendResult(replyTo, taskId, taskId, 'FAILURE', null, {
        info: exception,
        traceback: null,
      }),
    );
  }

  /** Tasks whose handler is running now. */
  get activeCount(): number {
    return this.running.size;
  }

  async handle(delivery: Delivery): Promise<void> {
    const outcome = await this.process(delivery);
    this.onOutcome(outcome.kind, outcome.task);
  }

  /** Stop starting tasks: deliveries waiting for an eta or a slot go back to the queue. */
  stopStarting(): void {
    this.stopping = true;
    this.slots.close();
    for (const hold of this.holds) {
      clearTimeout(hold.timer);
      hold.wake();
    }
    this.holds.clear();
  }

  /** Ask every running handler to stop (its `ctx.signal` aborts). */
  abortRunning(reason: string): void {
    for (const controller of this.running.values()) controller.abort(new Error(reason));
  }

  private async process(delivery: Delivery): Promise<{ kind: TaskOutcome; task: string | null }> {
    const decoded = decodeTask(delivery.message, { maxPayloadBytes: this.options.maxPayloadBytes });
    if (!decoded.ok) {
      const exception = decodeFailureException(decoded.reason, decoded.detail);
      await this.reject(delivery, {
        reason: decoded.reason,
        detail: decoded.detail,
        taskId: decoded.taskId,
        task: decoded.task,
        replyTo: decoded.replyTo,
        correlationId: decoded.correlationId,
        exception,
        state: 'FAILURE',
        retries: 0,
      });
      return { kind: 'rejected', task: decoded.task };
    }
    const message = decoded.message;
    if (!this.dispatcher.isRegistered(message.task)) {
      await this.reject(delivery, {
        reason: 'unknown-task',
        detail: `no handler is registered for "${message.task}" on ${this.options.nodeName}`,
        ...replyAddress(message),
        exception: notRegistered(message.task),
        state: 'FAILURE',
        retries: message.retries,
      });
      return { kind: 'rejected', task: message.task };
    }
    if (isExpired(message)) return this.revokeExpired(delivery, message);

    if (message.eta && message.eta.getTime() > Date.now()) {
      const reached = await this.holdUntil(message.eta.getTime());
      if (!reached) return this.giveBack(delivery, message);
      if (isExpired(message)) return this.revokeExpired(delivery, message);
    }

    try {
      await this.slots.acquire();
    } catch (err: unknown) {
      if (err instanceof LimiterClosedError) return this.giveBack(delivery, message);
      throw err;
    }
    try {
      return await this.run(delivery, message);
    } finally {
      this.slots.release();
    }
  }

  private async run(
    delivery: Delivery,
    message: TaskMessage,
  ): Promise<{ kind: TaskOutcome; task: string }> {
    const controller = new AbortController();
    const ctx = new TaskContext(
      message,
      delivery.message.fields,
      delivery.queue.name,
      this.options.nodeName,
      controller.signal,
    );
    this.running.set(message.id, controller);
    let value: unknown;
    let failure: ThrownException | null = null;
    try {
      value = await this.dispatcher.invoke(message, ctx);
    } catch (err: unknown) {
      failure = exceptionToInfo(err);
    } finally {
      this.running.delete(message.id);
    }

    if (failure === null) {
      const wantsResult = !message.ignoreResult && !this.dispatcher.ignoresResult(message.task);
      try {
        // Follow-ups go out before the result, as in Celery, so the result can name them as children.
        const children = await this.followUps.afterSuccess(message, value);
        if (wantsResult) await this.reply(message, 'SUCCESS', value ?? null, null, children);
        this.logger.debug(`Task ${message.task}[${message.id}] succeeded`);
        delivery.ack();
        return { kind: 'succeeded', task: message.task };
      } catch (err: unknown) {
        // The return value could not be encoded (a BigInt, a cycle): that is the task's failure, as
        // Celery reports a kombu EncodeError.
        if (!(err instanceof ResultEncodeError))
          return this.requeueAfterBrokerError(delivery, message, err);
        failure = {
          info: {
            excType: 'EncodeError',
            excModule: 'kombu.exceptions',
            excMessage: [err.message],
          },
          traceback: null,
        };
      }
    }

    this.logger.error(
      `Task ${message.task}[${message.id}] failed: ${failure.info.excType}: ${failure.info.excMessage.map(String).join(', ')}`,
      failure.traceback ?? undefined,
    );
    try {
      await this.reply(message, 'FAILURE', null, failure);
      await this.followUps.afterFailure(message);
      await this.deadLetter(delivery, {
        reason: 'task-failed',
        detail: `${failure.info.excType}: ${failure.info.excMessage.map(String).join(', ')}`,
        exception: failure.info,
        retries: message.retries,
      });
      delivery.ack();
    } catch (err: unknown) {
      return this.requeueAfterBrokerError(delivery, message, err);
    }
    return { kind: 'failed', task: message.task };
  }

  private async revokeExpired(
    delivery: Delivery,
    message: TaskMessage,
  ): Promise<{ kind: TaskOutcome; task: string }> {
    await this.reject(delivery, {
      reason: 'expired',
      detail: `expired at ${message.expires?.toISOString() ?? '?'}`,
      ...replyAddress(message),
      exception: taskRevoked('expired'),
      state: 'REVOKED',
      retries: message.retries,
    });
    return { kind: 'revoked', task: message.task };
  }

  /**
   * Dead-letters a message the worker will not run, after telling a waiting caller why. Logged once, as
   * a warning: the worker is fine, the message is not.
   */
  private async reject(delivery: Delivery, r: Rejection): Promise<void> {
    this.logger.warn(
      `Dead-lettering a message from "${delivery.queue.name}": ${r.reason} (${r.detail})` +
        (r.taskId ? ` [task ${r.task ?? '?'} id ${r.taskId}]` : ''),
    );
    try {
      if (r.taskId && r.replyTo) {
        await this.sendResult(r.replyTo, r.correlationId ?? r.taskId, r.taskId, r.state, null, {
          info: r.exception,
          traceback: null,
        });
      }
      await this.deadLetter(delivery, {
        reason: r.reason,
        detail: r.detail,
        exception: r.exception,
        retries: r.retries,
      });
      delivery.ack();
    } catch (err: unknown) {
      this.logger.error(
        `Could not dead-letter a message from "${delivery.queue.name}"; requeueing it: ${errorMessage(err)}`,
      );
      delivery.requeue();
    }
  }

  private async deadLetter(
    delivery: Delivery,
    d: {
      reason: DeadLetterReason;
      detail: string;
      exception: ExceptionInfo | null;
      retries: number;
    },
  ): Promise<void> {
    const letter = buildDeadLetter(delivery.message, {
      queue: delivery.queue.name,
      reason: d.reason,
      detail: d.detail,
      exception: d.exception,
      attempts: d.retries + 1,
      at: new Date(),
    });
    await this.publisher.publish({
      exchange: '',
      routingKey: letter.routingKey,
      message: letter.message,
      mandatory: true,
      what: `the dead letter of a message from "${delivery.queue.name}"`,
    });
  }

  private async reply(
    message: TaskMessage,
    state: TaskState,
    value: unknown,
    failure: ThrownException | null,
    children: readonly string[] = [],
  ): Promise<void> {
    if (!message.replyTo) return;
    await this.sendResult(
      message.replyTo,
      message.correlationId,
      message.id,
      state,
      value,
      failure,
      children,
    );
  }

  private async sendResult(
    replyTo: string,
    correlationId: string,
    taskId: string,
    state: TaskState,
    value: unknown,
    failure: ThrownException | null,
    children: readonly string[] = [],
  ): Promise<void> {
    let encoded;
    try {
      encoded = encodeResult(
        {
          taskId,
          status: state,
          result: failure ? null : value,
          exception: failure?.info ?? null,
          traceback: failure?.traceback ?? null,
          // Celery's result tuple for a plain child: [[id, parent], null].
          children: children.map((id) => [[id, null], null]),
        },
        { correlationId },
      );
    } catch (err: unknown) {
      throw new ResultEncodeError(errorMessage(err));
    }
    // Not mandatory: a reply queue that is gone (its client exited) loses the result, as in Celery.
    await this.publisher.publish({
      exchange: '',
      routingKey: replyTo,
      message: encoded,
      mandatory: false,
      what: `the ${state} result of task ${taskId}`,
    });
  }

  /** Resolves true at `at`, or false as soon as the worker stops starting tasks. */
  private holdUntil(at: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const hold = {
        timer: setTimeout(
          () => {
            this.holds.delete(hold);
            resolve(true);
          },
          Math.max(0, at - Date.now()),
        ),
        wake: () => {
          resolve(false);
        },
      };
      this.holds.add(hold);
    });
  }

  private giveBack(delivery: Delivery, message: TaskMessage): { kind: TaskOutcome; task: string } {
    delivery.requeue();
    return { kind: 'requeued', task: message.task };
  }

  private requeueAfterBrokerError(
    delivery: Delivery,
    message: TaskMessage,
    err: unknown,
  ): { kind: TaskOutcome; task: string } {
    this.logger.error(
      `Could not report task ${message.task}[${message.id}] to the broker; requeueing it: ${errorMessage(err)}`,
    );
    delivery.requeue();
    return { kind: 'requeued', task: message.task };
  }
}

interface Rejection {
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly taskId: string | null;
  readonly task: string | null;
  readonly replyTo: string | null;
  readonly correlationId: string | null;
  readonly exception: ExceptionInfo;
  readonly state: TaskState;
  readonly retries: number;
}

class ResultEncodeError extends Error {}

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
