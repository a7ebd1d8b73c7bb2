import { Logger } from '@nestjs/common';
import type { TaskPublisher } from '../sending/task-publisher.js';
import { errorMessage } from '../errors/error-text.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';
import { UnknownQueueError } from '../errors/unknown-queue.error.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { exceptionToInfo, type ThrownException } from '../message/exception-info.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RouteTarget } from '../options/task-queue-options.js';
import type { FollowUpPublisher } from './follow-up-publisher.js';
import type { Delivery } from '../transport/queue-consumer.js';
import { decideRetry, type RetryDecision } from '../task/retry-decision.js';
import { celeryRetry, formatSeconds, maxRetriesExceeded } from '../task/retry-exceptions.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskReporter } from '../results/task-reporter.js';
import type { TaskOutcome } from './task-outcome.js';

/** What retrying needs from the worker. */
export interface RetryWiring {
  /** Publishes the retry copy; it carries the eta durably. */
  readonly tasks: Pick<TaskPublisher, 'publish'>;
  /** `origin` of the copies this worker publishes. */
  readonly origin: string;
  /** The retry options of a task (the defaults for a handler without `@Task()` options). */
  readonly policyOf: (task: string) => RetryPolicy;
  /** For jitter; `Math.random` unless a test injects one. */
  readonly random?: () => number;
}

type Retry = Extract<RetryDecision, { action: 'retry' }>;

/**
 * What happens after a handler threw: a retry (celery-protocol.md §10) when `ctx.retry()` asked for one or
 * the error matches `autoretryFor`, else the failure: the caller gets FAILURE, `link_error` callbacks go
 * out, the task is dead-lettered with the exception, then acked. A broker error on the way requeues the
 * task, so nothing is acked before what replaces it is confirmed.
 */
export class FailureHandler {
  private readonly logger = new Logger(FailureHandler.name);

  constructor(
    private readonly reporter: Pick<
      TaskReporter,
      'reply' | 'deadLetter' | 'requeueAfterBrokerError'
    >,
    private readonly followUps: Pick<FollowUpPublisher, 'afterFailure'>,
    private readonly retries: RetryWiring,
  ) {}

  /** The handler threw `thrown`: retry or fail, as the task's retry options decide. */
  async afterThrow(
    delivery: Delivery,
    message: TaskMessage,
    thrown: unknown,
  ): Promise<TaskOutcome> {
    const decision = decideRetry({
      policy: this.retries.policyOf(message.task),
      thrown,
      retries: message.retries,
      now: Date.now(),
      random: this.retries.random ?? Math.random,
    });
    if (decision.action === 'retry') return this.retry(delivery, message, decision);
    const note = decision.why === 'max-retries-exceeded' ? exhausted(message, decision) : null;
    if (decision.report) {
      return this.handle(delivery, message, exceptionToInfo(decision.report.value), note);
    }
    // ctx.retry() without `exc` and no retries left: Celery raises MaxRetriesExceededError.
    const info = maxRetriesExceeded(message.task, message.id, message.args, message.kwargs);
    return this.handle(delivery, message, { info, traceback: null }, note);
  }

  /** Fails the task for good: FAILURE to the caller, `link_error` callbacks, a dead letter, the ack. */
  async handle(
    delivery: Delivery,
    message: TaskMessage,
    failure: ThrownException,
    note: string | null = null,
  ): Promise<TaskOutcome> {
    const summary =
      `${failure.info.excType}: ${failure.info.excMessage.map(String).join(', ')}` +
      (note ? ` (${note})` : '');
    this.logger.error(
      `Task ${message.task}[${message.id}] failed: ${summary}`,
      failure.traceback ?? undefined,
    );
    try {
      const queue = delivery.message.fields.routingKey;
      await this.reporter.reply(message, 'FAILURE', null, failure, [], queue);
      await this.followUps.afterFailure(message, failure.info);
      await this.reporter.deadLetter(delivery, {
        reason: 'task-failed',
        detail: summary,
        exception: failure.info,
        retries: message.retries,
      });
      delivery.ack();
      return 'failed';
    } catch (err: unknown) {
      this.reporter.requeueAfterBrokerError(delivery, `task ${message.task}[${message.id}]`, err);
      return 'requeued';
    }
  }

  /**
   * Publishes the copy first and acks the original only after its confirm, so a crash in between leaves
   * two copies at worst, never none. The RETRY state goes to the caller in between.
   */
  private async retry(
    delivery: Delivery,
    message: TaskMessage,
    decision: Retry,
  ): Promise<TaskOutcome> {
    const exception: ThrownException = decision.report
      ? exceptionToInfo(decision.report.value)
      : { info: celeryRetry(decision.delaySeconds), traceback: null };
    const what = `task ${message.task}[${message.id}]`;
    try {
      await this.retries.tasks.publish(
        retryCopy(message, decision.eta, this.retries.origin),
        retryRoute(delivery),
      );
    } catch (err: unknown) {
      // A copy that can never be published would loop through requeues forever: fail the task instead.
      if (isPermanent(err))
        return this.handle(
          delivery,
          message,
          exception,
          `its retry cannot be published: ${errorMessage(err)}`,
        );
      this.reporter.requeueAfterBrokerError(delivery, `the retry of ${what}`, err);
      return 'requeued';
    }
    const attempt = message.retries + 1;
    const of = decision.maxRetries === null ? '' : ` of ${decision.maxRetries + 1}`;
    this.logger.warn(
      `Retrying ${what} in ${formatSeconds(decision.delaySeconds)}s: attempt ${attempt}${of} failed ` +
        `(${exception.info.excType}: ${exception.info.excMessage.map(String).join(', ')})`,
    );
    try {
      await this.reporter.reply(message, 'RETRY', null, exception);
    } catch (err: unknown) {
      // The copy is queued and carries the task on; RETRY is only a progress report, so still ack.
      this.logger.warn(`Could not send the RETRY state of ${what}: ${errorMessage(err)}`);
    }
    delivery.ack();
    return 'retried';
  }
}

/** Headers the broker or Celeriac added on the way; a retry starts clean (reliability.md §2.4). */
const BOOKKEEPING_HEADER = /^(x-death$|x-first-death-|x-last-death-|x-celeriac-)/;

/**
 * The message of the next attempt, as Celery's `signature_from_request` builds it: same id, correlation id,
 * reply_to, root, args, kwargs, embed and priority; `retries + 1`; the new eta; the parent is the task itself.
 */
function retryCopy(message: TaskMessage, eta: Date, origin: string): TaskMessage {
  return {
    ...message,
    retries: message.retries + 1,
    eta,
    parentId: message.id,
    origin,
    extraHeaders: Object.fromEntries(
      Object.entries(message.extraHeaders).filter(([name]) => !BOOKKEEPING_HEADER.test(name)),
    ),
  };
}

/**
 * Where the copy goes: back to the same queue when the message came through the default exchange, else to
 * the exchange and routing key it came with (Celery's retry does the same). The queue is named as well, so
 * that no route configured for the task can redirect it.
 */
function retryRoute(delivery: Delivery): RouteTarget {
  const { exchange, routingKey } = delivery.message.fields;
  const queue = delivery.queue.name;
  return exchange === ''
    ? { queue, exchange: '', routingKey: queue }
    : { queue, exchange, routingKey };
}

function exhausted(message: TaskMessage, decision: { maxRetries: number | null }): string {
  return `gave up after ${message.retries + 1} attempts; maxRetries is ${String(decision.maxRetries)}`;
}

/** Errors a second try cannot fix: the copy is too large, cannot be encoded, or routes nowhere. */
function isPermanent(err: unknown): boolean {
  return (
    err instanceof PayloadTooLargeError ||
    err instanceof MessageEncodeError ||
    err instanceof UnroutableError ||
    err instanceof UnknownQueueError ||
    err instanceof InvalidOptionsError
  );
}
