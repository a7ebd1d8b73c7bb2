import { withoutDelayHeaders } from '../delays/delay-headers.js';
import type { DelayScheduler } from '../delays/delay-scheduler.js';
import { republishable } from '../message/republish.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskReporter } from '../results/task-reporter.js';
import type { Delivery } from '../transport/queue-consumer.js';
import { undelayable } from './refusals.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * Moves a task that is not due for a while into the delay cascade, back to the queue it came from, and
 * acks it once the broker confirmed the copy (a Python client puts the eta in the header and publishes
 * straight to the queue). A broker error requeues the delivery, so nothing is acked before its copy is safe.
 */
export async function deferToDelayCascade(
  delivery: Delivery,
  message: TaskMessage,
  delays: Pick<DelayScheduler, 'schedule'>,
  reporter: Pick<TaskReporter, 'reject' | 'requeueAfterBrokerError'>,
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
      await reporter.reject(delivery, undelayable(message, err.message));
      return 'rejected';
    }
    reporter.requeueAfterBrokerError(delivery, what, err);
    return 'requeued';
  }
  delivery.ack();
  return 'deferred';
}
