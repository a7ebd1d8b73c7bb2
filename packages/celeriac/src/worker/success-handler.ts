import { Logger } from '@nestjs/common';
import type { ExceptionInfo } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import { ResultEncodeError, type TaskReporter } from '../results/task-reporter.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { FailureHandler } from './failure-handler.js';
import type { FollowUpPublisher } from './follow-up-publisher.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * What happens after a handler returned: follow-ups (chain steps, links), the SUCCESS result, a chord
 * member's count, the ack. A
 * value that cannot be encoded fails the task as Celery does (kombu's `EncodeError`); a broker error on
 * the way requeues it, so nothing is acked before what replaces it is confirmed.
 */
export class SuccessHandler {
  private readonly logger = new Logger(SuccessHandler.name);

  constructor(
    private readonly reporter: Pick<TaskReporter, 'reply' | 'requeueAfterBrokerError'>,
    private readonly followUps: Pick<FollowUpPublisher, 'afterSuccess' | 'afterChordPart'>,
    private readonly failures: Pick<FailureHandler, 'handle'>,
  ) {}

  /** @param wantsResult - false when the sender or the task ignores the result */
  async afterReturn(
    delivery: Delivery,
    message: TaskMessage,
    value: unknown,
    wantsResult: boolean,
  ): Promise<TaskOutcome> {
    try {
      // Follow-ups go out before the result, as in Celery, so the result can name them as children.
      const children = await this.followUps.afterSuccess(message, value);
      if (wantsResult) {
        const queue = delivery.message.fields.routingKey;
        await this.reporter.reply(message, 'SUCCESS', value ?? null, null, children, queue);
      }
      // A chord header member counts after its result is stored, as in Celery, and before its ack.
      if (message.embed.chord !== null) {
        await this.followUps.afterChordPart(message, 'SUCCESS', value ?? null, null);
      }
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
}
