import { PublishError } from './publish.error.js';

/**
 * `maxPendingPublishes` publishes were already waiting for the broker (for a connection, for an alarm to
 * clear, or for their confirm), so this one was refused at once instead of adding to memory. Nothing was
 * sent.
 */
export class PublishBacklogFullError extends PublishError {
  constructor(
    what: string,
    readonly pending: number,
    readonly limit: number,
    /** The connection's state in words, e.g. `RabbitMQ has been unreachable for 4000 ms`. */
    state: string,
  ) {
    super(
      what,
      `it was not sent: ${pending} publishes already wait for the broker (maxPendingPublishes ${limit}; ` +
        `${state}). Retry later or shed load; raise maxPendingPublishes only if memory allows.`,
    );
  }
}
