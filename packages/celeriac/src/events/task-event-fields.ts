import { formatCeleryDate } from '../message/celery-date.js';
import { exceptionToInfo } from '../message/exception-info.js';
import { argsRepr, kwargsRepr, pythonRepr, pythonStringRepr } from '../message/python-repr.js';
import type { TaskMessage } from '../message/task-message.js';

/**
 * The type-specific fields of Celery's task events (celery-protocol.md §11), built from what the worker
 * or the client knows. Values a human reads (`args`, `kwargs`, `result`, `exception`) are Python repr
 * strings, never JSON, as Celery sends them; `runtime` is in seconds.
 */
/** The signal number Celery reports for a terminated task (`SIGTERM`, its default). */
const SIGTERM = 15;

export type TaskEventFields = Readonly<Record<string, unknown>>;

/** Where a task was published; the extra fields of `task-sent`. */
export interface SentTo {
  readonly queue: string | null;
  readonly exchange: string;
  readonly routingKey: string;
}

export function receivedFields(message: TaskMessage): TaskEventFields {
  return {
    uuid: message.id,
    name: message.task,
    args: argsRepr(message.args),
    kwargs: kwargsRepr(message.kwargs),
    root_id: message.rootId,
    parent_id: message.parentId,
    retries: message.retries,
    eta: message.eta ? formatCeleryDate(message.eta) : null,
    expires: message.expires ? formatCeleryDate(message.expires) : null,
  };
}

export function sentFields(message: TaskMessage, to: SentTo): TaskEventFields {
  return {
    uuid: message.id,
    root_id: message.rootId,
    parent_id: message.parentId,
    name: message.task,
    args: argsRepr(message.args),
    kwargs: kwargsRepr(message.kwargs),
    retries: message.retries,
    eta: message.eta ? formatCeleryDate(message.eta) : null,
    expires: message.expires ? formatCeleryDate(message.expires) : null,
    queue: to.queue,
    exchange: to.exchange,
    routing_key: to.routingKey,
  };
}

export function startedFields(taskId: string): TaskEventFields {
  return { uuid: taskId };
}

/** @param runtimeSeconds - how long the handler ran */
export function succeededFields(
  taskId: string,
  value: unknown,
  runtimeSeconds: number,
): TaskEventFields {
  return { uuid: taskId, result: pythonRepr(value ?? null), runtime: runtimeSeconds };
}

/** `task-failed` and `task-retried` carry the same fields: the exception's repr and its traceback. */
export function exceptionFields(taskId: string, thrown: unknown): TaskEventFields {
  const { info, traceback } = exceptionToInfo(thrown);
  const args = info.excMessage.map((arg) => pythonRepr(arg)).join(', ');
  return { uuid: taskId, exception: `${info.excType}(${args})`, traceback };
}

export function notRegisteredFields(taskId: string, name: string): TaskEventFields {
  return { uuid: taskId, exception: `NotRegistered(${pythonStringRepr(name)})`, traceback: null };
}

export function rejectedFields(taskId: string, requeue: boolean): TaskEventFields {
  return { uuid: taskId, requeue };
}

/**
 * @param terminated - a running task was aborted by `revoke(..., terminate)`
 * @param expired - refused because its `expires` had passed
 */
export function revokedFields(
  taskId: string,
  terminated: boolean,
  expired: boolean,
): TaskEventFields {
  return { uuid: taskId, terminated, signum: terminated ? SIGTERM : null, expired };
}
