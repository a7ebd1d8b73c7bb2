import { republishable } from '../message/republish.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskReporter } from '../results/task-reporter.js';
import type { Publisher } from '../transport/publisher.js';
import type { Delivery } from '../transport/queue-consumer.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * Puts a copy of a task that is not due yet at the back of the queue it came from, and acks the delivery
 * once the broker confirmed the copy. Used when there is no delay cascade (`delayedDelivery: 'direct'`)
 * and the eta is further away than a hold may last: the task then waits in its queue, a hold at a time,
 * instead of one delivery unacked until the broker's `consumer_timeout` closes its channel. The copy goes
 * through the default exchange to this queue only, so a topic or fanout route never duplicates it. A
 * broker error requeues the delivery: nothing is acked before its copy is safe.
 */
export async function requeueUntilDue(
  delivery: Delivery,
  message: TaskMessage,
  publisher: Pick<Publisher, 'publish'>,
  reporter: Pick<TaskReporter, 'requeueAfterBrokerError'>,
): Promise<TaskOutcome> {
  const what = `task ${message.task}[${message.id}] back to "${delivery.queue.name}" until its eta`;
  try {
    await publisher.publish({
      exchange: '',
      routingKey: delivery.queue.name,
      message: republishable(delivery.message),
      mandatory: true,
      what,
    });
  } catch (err: unknown) {
    reporter.requeueAfterBrokerError(delivery, what, err);
    return 'requeued';
  }
  delivery.ack();
  return 'deferred';
}
