import { Logger } from '@nestjs/common';
import type { Publisher } from '../transport/publisher.js';
import { errorMessage } from '../errors/error-text.js';
import { encodeResult } from '../message/encode-result.js';
import type { ThrownException } from '../message/exception-info.js';
import type { ExceptionInfo, TaskState } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import { buildDeadLetter, type DeadLetterReason } from '../dead-letters/dead-letter.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { ResultMetaInput } from '../message/result-meta.js';
import type { RedisResultStore } from './redis-result-store.js';

/** Where a worker with a Redis result backend stores results, and what it stores with them. */
export interface ResultStoring {
  readonly store: Pick<RedisResultStore, 'save'>;
  /** Store name, args, kwargs, worker, retries and queue too (`resultExtended`). */
  readonly extended: boolean;
  /** The `worker` of extended results. */
  readonly nodeName: string;
}

/** A return value that cannot be encoded as JSON (a BigInt, a cycle): the task's failure, not the broker's. */
export class ResultEncodeError extends Error {
  override readonly name = 'ResultEncodeError';
}

/** A message the worker will not run, and what to tell its sender. */
export interface Rejection {
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

/** What a dead letter says about why. */
export interface DeadLetterNote {
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly exception: ExceptionInfo | null;
  readonly retries: number;
}

/**
 * Everything a worker tells the broker about a task besides acks: rpc results, dead letters, and the
 * combination of both for a message it refuses. Every publish is confirmed before the caller acks.
 */
export class TaskReporter {
  private readonly logger = new Logger(TaskReporter.name);

  constructor(
    private readonly publisher: Publisher,
    /** Null with rpc://: results go to each task's `reply_to` queue. */
    private readonly storing: ResultStoring | null = null,
  ) {}

  /**
   * Stores the result (Redis backend), or replies to the task's `reply_to` if it has one (rpc://).
   * @param queue the routing key the task came with, for extended results
   */
  async reply(
    message: TaskMessage,
    state: TaskState,
    value: unknown,
    failure: ThrownException | null,
    children: readonly string[] = [],
    queue: string | null = null,
  ): Promise<void> {
    if (this.storing !== null) {
      const { extended, nodeName } = this.storing;
      return this.store({
        taskId: message.id,
        status: state,
        result: value,
        exception: failure?.info ?? null,
        traceback: failure?.traceback ?? null,
        children,
        groupId: message.groupId,
        parentId: message.parentId,
        extended: extended
          ? {
              name: message.task,
              args: message.args,
              kwargs: message.kwargs,
              worker: nodeName,
              retries: message.retries,
              queue,
            }
          : null,
        now: new Date(),
      });
    }
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

  /** @throws ResultEncodeError when `value` cannot be encoded; broker errors otherwise. */
  async sendResult(
    replyTo: string,
    correlationId: string,
    taskId: string,
    state: TaskState,
    value: unknown,
    failure: ThrownException | null,
    children: readonly string[] = [],
  ): Promise<void> {
    if (this.storing !== null) {
      return this.store({
        taskId,
        status: state,
        result: value,
        exception: failure?.info ?? null,
        traceback: failure?.traceback ?? null,
        children,
        groupId: null,
        parentId: null,
        extended: null,
        now: new Date(),
      });
    }
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

  private async store(input: ResultMetaInput): Promise<void> {
    let save: Promise<void>;
    try {
      save = this.storing?.store.save(input) ?? Promise.resolve();
    } catch (err: unknown) {
      // Encoding happens before anything reaches Redis: the task's failure, as with rpc://.
      throw new ResultEncodeError(errorMessage(err));
    }
    await save;
  }

  /** Publishes a copy of the delivery to its queue's dead-letter queue and waits for the confirm. */
  async deadLetter(delivery: Delivery, note: DeadLetterNote): Promise<void> {
    const letter = buildDeadLetter(delivery.message, {
      queue: delivery.queue.name,
      reason: note.reason,
      detail: note.detail,
      exception: note.exception,
      attempts: note.retries + 1,
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

  /**
   * Refuses a message: one warning, a result for a waiting caller, a dead letter, then the ack. If the
   * broker cannot take the dead letter, the message is requeued rather than lost.
   */
  async reject(delivery: Delivery, r: Rejection): Promise<void> {
    this.logger.warn(
      `Dead-lettering a message from "${delivery.queue.name}": ${r.reason} (${r.detail})` +
        (r.taskId ? ` [task ${r.task ?? '?'} id ${r.taskId}]` : ''),
    );
    try {
      // A stored result needs no reply_to: anyone may read it by id.
      if (r.taskId && (r.replyTo || this.storing !== null)) {
        await this.sendResult(
          r.replyTo ?? '',
          r.correlationId ?? r.taskId,
          r.taskId,
          r.state,
          null,
          {
            info: r.exception,
            traceback: null,
          },
        );
      }
      await this.deadLetter(delivery, r);
      delivery.ack();
    } catch (err: unknown) {
      this.requeueAfterBrokerError(delivery, `a message from "${delivery.queue.name}"`, err);
    }
  }

  /** The broker did not take what we had to tell it: give the message back for another try. */
  requeueAfterBrokerError(delivery: Delivery, what: string, err: unknown): void {
    this.logger.error(
      `Could not report ${what} to the broker; requeueing it: ${errorMessage(err)}`,
    );
    delivery.requeue();
  }
}
