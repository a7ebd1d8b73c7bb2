import { redactUrl } from './redact-url.js';
import { TaskQueueError } from './task-queue.error.js';

/**
 * No connection to RabbitMQ within `connectTimeoutMs`: a wrong url (host, port, vhost, credentials) or a
 * broker that is down. `urls` are the configured ones with their passwords replaced by `***`.
 */
export class BrokerUnreachableError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_BROKER_UNREACHABLE';
  readonly urls: readonly string[];

  constructor(
    urls: readonly string[],
    readonly timeoutMs: number,
    /** Why the last attempt failed (e.g. `connect ECONNREFUSED 127.0.0.1:5673`), already redacted; or null. */
    readonly lastError: string | null,
    options?: { cause?: unknown },
  ) {
    const shown = urls.map(redactUrl);
    super(
      `Celeriac could not reach RabbitMQ at ${shown.join(' or ')} within ${timeoutMs} ms` +
        `${lastError === null ? '' : ` (${lastError})`}. Check the url option (RABBITMQ_URL): host, port, ` +
        `vhost, user and password; and that the broker runs ('rabbitmq-diagnostics ping' on its host). ` +
        `Celeriac keeps trying to connect in the background.`,
      options,
    );
    this.urls = shown;
  }
}
