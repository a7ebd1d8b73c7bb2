/**
 * What becomes of a decoded task before its handler may start: pure decisions over facts the runner
 * gathered (registration, the message's `expires` and `eta`, whether a delay cascade exists, the clock), so
 * each rule can be tested on its own and the runner only acts on the answer. The answers are strings, not
 * objects: the runner asks for every task, and the hot path allocates nothing for it.
 *
 * The revocation question is not among the facts: its answer can cost an await (while the listener
 * re-reads its stream), so the runner asks it only for a task that got past the refusals here, in
 * Celery's order: not registered, expired, revoked, then the eta.
 */
import { HOLD_LIMIT_MS } from '../delays/delay-plan.js';

/** What to do with a task as it arrives. */
export type Arrival =
  /** No handler for its name on this worker: FAILURE `NotRegistered`, dead letter `unknown-task`. */
  | 'unknown-task'
  /** Its `expires` has passed: REVOKED `TaskRevokedError('expired')`, dead letter `expired`. */
  | 'expired'
  /**
   * Its eta is further away than a hold may last, and the worker has a delay cascade: back into the cascade.
   * Held unacked for long, it would pin a prefetch slot and trip the broker's `consumer_timeout`.
   */
  | 'defer'
  /**
   * Its eta is near, or there is no cascade to put it in: held unacked until then, or for at most the
   * runner's hold limit, after which it goes back to its queue (see `afterHold`).
   */
  | 'hold'
  /** Due: on to its rate limit and a slot. */
  | 'due';

/**
 * @param registered a handler is registered for the task's name
 * @param canDefer the worker has a delay cascade to put a far eta into
 * @param now epoch milliseconds
 */
export function onArrival(
  registered: boolean,
  expires: Date | null,
  eta: Date | null,
  canDefer: boolean,
  now: number,
): Arrival {
  if (!registered) return 'unknown-task';
  if (expires !== null && expires.getTime() <= now) return 'expired';
  if (eta === null || eta.getTime() <= now) return 'due';
  return canDefer && eta.getTime() - now > HOLD_LIMIT_MS ? 'defer' : 'hold';
}

/** What to do with a task whose eta hold ended. */
export type AfterHold =
  /** The worker stopped starting tasks during the hold: back to the queue, unacked. */
  | 'give-back'
  /** It expired while held. */
  | 'expired'
  /**
   * The hold reached its limit before the eta (no delay cascade, a far eta): a copy goes to the back of
   * its queue and this delivery is acked, so no delivery stays unacked until the broker's
   * `consumer_timeout` closes its channel.
   */
  | 'requeue'
  /** On to its rate limit and a slot. */
  | 'due';

/**
 * @param reached the hold lasted as long as it was meant to (false: the worker stopped starting tasks first)
 * @param cutShort the hold was meant to end before the eta, at the hold limit
 * @param now epoch milliseconds
 */
export function afterHold(
  reached: boolean,
  cutShort: boolean,
  expires: Date | null,
  now: number,
): AfterHold {
  if (!reached) return 'give-back';
  if (expires !== null && expires.getTime() <= now) return 'expired';
  return cutShort ? 'requeue' : 'due';
}
