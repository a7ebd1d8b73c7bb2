/**
 * What the worker tells the sender, and the dead letter, about a task it will not run: pure builders of the
 * `Rejection` that `TaskReporter.reject` sends. Revocations have theirs in `revocation/revocation-gate.ts`.
 */
import type { DecodeFailure } from '../message/decode-task.js';
import { invalidTask, notRegistered, taskRevoked } from '../message/exception-info.js';
import type { ExceptionInfo } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import type { Rejection } from '../results/task-reporter.js';

/** A message that could not be decoded as a task: FAILURE, with what could be read of its identity. */
export function undecodable(failure: DecodeFailure): Rejection {
  return {
    reason: failure.reason,
    detail: failure.detail,
    taskId: failure.taskId,
    task: failure.task,
    replyTo: failure.replyTo,
    correlationId: failure.correlationId,
    exception: decodeFailureException(failure),
    state: 'FAILURE',
    retries: 0,
  };
}

/** A task no handler on this node is registered for: Celery's `NotRegistered`. */
export function unknownTask(message: TaskMessage, nodeName: string): Rejection {
  return {
    reason: 'unknown-task',
    detail: `no handler is registered for "${message.task}" on ${nodeName}`,
    ...replyAddress(message),
    exception: notRegistered(message.task),
    state: 'FAILURE',
    retries: message.retries,
  };
}

/** A task whose `expires` passed before it started: REVOKED, as Celery reports it. */
export function expired(message: TaskMessage): Rejection {
  return {
    reason: 'expired',
    detail: `expired at ${message.expires?.toISOString() ?? '?'}`,
    ...replyAddress(message),
    exception: taskRevoked('expired'),
    state: 'REVOKED',
    retries: message.retries,
  };
}

/**
 * A task the delay cascade cannot carry (an eta beyond its reach, a bad delay header); `detail` is the
 * scheduler's RangeError message.
 */
export function undelayable(message: TaskMessage, detail: string): Rejection {
  return {
    reason: 'bad-header',
    detail,
    ...replyAddress(message),
    exception: invalidTask(`bad-header: ${detail}`),
    state: 'FAILURE',
    retries: message.retries,
  };
}

function replyAddress(
  m: TaskMessage,
): Pick<Rejection, 'taskId' | 'task' | 'replyTo' | 'correlationId'> {
  return { taskId: m.id, task: m.task, replyTo: m.replyTo, correlationId: m.correlationId };
}

/** The exception a Python caller sees for a message we refused to decode: classes its process has loaded. */
function decodeFailureException(failure: DecodeFailure): ExceptionInfo {
  if (failure.reason === 'content-type') {
    return {
      excType: 'ContentDisallowed',
      excModule: 'kombu.exceptions',
      excMessage: [failure.detail],
    };
  }
  return invalidTask(`${failure.reason}: ${failure.detail}`);
}
