import type { TaskMessage } from '../message/task-message.js';
import { SENT_AT_HEADER } from '../message/protocol-headers.js';
import type { PublishObserver } from '../transport/publish-request.js';

/** What happened to one delivery, as the worker's runner reports it (its `TaskOutcome`). */
export type ObservedOutcome =
  'succeeded' | 'failed' | 'retried' | 'rejected' | 'revoked' | 'deferred' | 'requeued';

/** The task name reported for a delivery that could not be read as a task. */
export const UNKNOWN_TASK = 'unknown';

/**
 * What a worker tells an observer (the metrics) about each delivery. Called on the delivery path, so an
 * implementation must be cheap and must not throw; with no observer attached the runner makes no call.
 */
export interface TaskObserver {
  /** A delivery was read as a task of this name, from this queue. */
  received(task: string, queue: string): void;
  /** Its handler starts; `waitedSeconds` since it was published (or since its eta), null when unknown. */
  started(task: string, queue: string, waitedSeconds: number | null): void;
  /** Its handler returned or threw after `seconds`. */
  ran(task: string, queue: string, seconds: number): void;
  /** The delivery is settled with this outcome (`rejected`: dead-lettered unread, or a task nobody registered). */
  finished(task: string, queue: string, outcome: ObservedOutcome): void;
}

/**
 * Seconds from when the task was due, its publish or its eta, whichever is later, to `nowMs`; null when the
 * message says neither (a task from a client that stamps no publish time and gives no eta).
 */
export function waitedSeconds(message: TaskMessage, nowMs: number): number | null {
  const stamped = message.extraHeaders[SENT_AT_HEADER];
  const sentAt = typeof stamped === 'number' && Number.isFinite(stamped) ? stamped : null;
  const eta = message.eta?.getTime() ?? null;
  const due = sentAt === null ? eta : eta === null ? sentAt : Math.max(sentAt, eta);
  return due === null ? null : Math.max(0, nowMs - due) / 1000;
}

/**
 * The observers a process's Celeriac reports to (the metrics attach theirs here). Read per delivery and
 * per publish: with none attached that is one property read.
 */
export class Instruments {
  /** Told of every delivery a worker of this process takes. */
  task: TaskObserver | null = null;
  /** Told how each publish of this process ends. */
  publish: PublishObserver | null = null;
}
