import { Logger } from '@nestjs/common';
import type { ThrownException } from '../message/exception-info.js';
import type { TaskMessage } from '../message/task-message.js';
import type { FollowUpPublisher } from './follow-up-publisher.js';
import type { Delivery } from './queue-consumer.js';
import type { TaskReporter } from './task-reporter.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * What happens after a handler threw: the caller gets FAILURE, `link_error` callbacks go out, the task
 * is dead-lettered with the exception, then acked. A broker error on the way requeues the task.
 */
export class FailureHandler {
  private readonly logger = new Logger('TaskRunner');

  constructor(
    private readonly reporter: TaskReporter,
    private readonly followUps: FollowUpPublisher,
  ) {}

  async handle(
    delivery: Delivery,
    message: TaskMessage,
    failure: ThrownException,
  ): Promise<TaskOutcome> {
    const summary = `${failure.info.excType}: ${failure.info.excMessage.map(String).join(', ')}`;
    this.logger.error(
      `Task ${message.task}[${message.id}] failed: ${summary}`,
      failure.traceback ?? undefined,
    );
    try {
      await this.reporter.reply(message, 'FAILURE', null, failure);
      await this.followUps.afterFailure(message);
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
}
