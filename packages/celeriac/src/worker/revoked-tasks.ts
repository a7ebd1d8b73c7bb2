import type { TaskEvents } from '../events/task-events.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskReporter } from '../results/task-reporter.js';
import { revokedRejection } from '../revocation/revocation-gate.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { FollowUpPublisher } from './follow-up-publisher.js';
import { expired } from './refusals.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * How a task that will not run ends: REVOKED to the caller, a dead letter with the reason, the ack, the
 * `task-revoked` event when events are on, and, for a chord header member, its count, so the chord's body
 * fails with Celery's ChordError instead of waiting for ever.
 */
export class RevokedTasks {
  constructor(
    private readonly reporter: Pick<TaskReporter, 'reject'>,
    private readonly followUps: Pick<FollowUpPublisher, 'afterRevokedChordPart'>,
    private readonly events: TaskEvents | undefined,
  ) {}

  /** Revoked before it started (`revoked`), or terminated while it ran (`terminated`). */
  async refuse(
    delivery: Delivery,
    message: TaskMessage,
    how: 'revoked' | 'terminated' = 'revoked',
  ): Promise<TaskOutcome> {
    const events = this.events;
    if (events?.enabled) events.revoked(message.id, how === 'terminated', false);
    return this.end(delivery, message, revokedRejection(message, how));
  }

  /** Its `expires` passed before it could start. */
  async expire(delivery: Delivery, message: TaskMessage): Promise<TaskOutcome> {
    const events = this.events;
    if (events?.enabled) events.revoked(message.id, false, true);
    return this.end(delivery, message, expired(message));
  }

  private async end(
    delivery: Delivery,
    message: TaskMessage,
    rejection: Parameters<TaskReporter['reject']>[1],
  ): Promise<TaskOutcome> {
    await this.reporter.reject(delivery, rejection);
    if (message.embed.chord !== null)
      await this.followUps.afterRevokedChordPart(message, rejection);
    return 'revoked';
  }
}
