import { PublishError } from './publish.error.js';

/** What kept a publish from being confirmed in time. */
export type PublishTimeoutCause = 'unreachable' | 'blocked' | 'no-confirm';

/**
 * No confirm within `publishTimeoutMs`. `cause` says why: the broker was unreachable, it blocked
 * publishing (a memory or disk alarm), or it was reachable and simply did not confirm. `maybeEnqueued`
 * is false when the message was never handed to the broker, so sending it again cannot duplicate it.
 */
export class PublishTimeoutError extends PublishError {
  constructor(
    what: string,
    readonly brokerState: PublishTimeoutCause,
    readonly maybeEnqueued: boolean,
    readonly timeoutMs: number,
    /** The connection's state in words, e.g. `RabbitMQ has been unreachable for 10003 ms; ...`. */
    state: string,
    options?: { cause?: unknown },
  ) {
    super(what, explain(brokerState, maybeEnqueued, timeoutMs, state), options);
  }
}

function explain(
  cause: PublishTimeoutCause,
  maybeEnqueued: boolean,
  timeoutMs: number,
  state: string,
): string {
  const retry = maybeEnqueued
    ? 'it was sent, so it may still be enqueued: send it again only with the same taskId, and keep handlers idempotent'
    : 'it was not sent, so sending it again (with the same taskId) cannot duplicate it';
  switch (cause) {
    case 'unreachable':
      return (
        `${state}, and publishTimeoutMs (${timeoutMs} ms) is over; ${retry}. ` +
        `Check that RabbitMQ runs ('rabbitmq-diagnostics ping') and the url option.`
      );
    case 'blocked':
      return (
        `${state}, and publishTimeoutMs (${timeoutMs} ms) is over; ${retry}. ` +
        `Free memory or disk on the broker ('rabbitmq-diagnostics alarms' shows which), or send less.`
      );
    case 'no-confirm':
      return `no confirm within publishTimeoutMs (${timeoutMs} ms) although connected; ${retry}.`;
  }
}
