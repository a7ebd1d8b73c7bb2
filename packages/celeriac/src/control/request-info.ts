import { formatCeleryDate } from '../message/celery-date.js';
import type { HeldTask } from './controlled-worker.js';

/**
 * A task as Celery's `Request.info()` describes it in `inspect active`, `reserved`, `scheduled` and
 * `query_task`: its args and kwargs as JSON (not repr strings), when it started (float seconds, null while
 * it waits), and how it was delivered.
 */
export function requestInfo(task: HeldTask, hostname: string): Record<string, unknown> {
  const { message, fields } = task;
  return {
    id: message.id,
    name: message.task,
    args: message.args,
    kwargs: message.kwargs,
    type: message.task,
    hostname,
    time_start: task.startedAt === null ? null : task.startedAt / 1000,
    // Celeriac acks late, after the result: a held or running task is never acked yet.
    acknowledged: false,
    delivery_info: {
      exchange: fields.exchange,
      routing_key: fields.routingKey,
      priority: message.priority ?? 0,
      redelivered: fields.redelivered,
    },
    worker_pid: task.startedAt === null ? null : process.pid,
  };
}

/** An entry of `inspect scheduled`: the eta, the priority, and the request. */
export function scheduledInfo(task: HeldTask, hostname: string): Record<string, unknown> {
  const eta = task.message.eta;
  return {
    eta: eta ? formatCeleryDate(eta) : null,
    priority: task.message.priority ?? 0,
    request: requestInfo(task, hostname),
  };
}
