import type { LoggerService } from '@nestjs/common';
import { errorStack } from '../errors/error-text.js';

/** A part of a worker that a start may have begun, and that can be stopped. */
interface Stoppable {
  close(): Promise<void>;
}

/** What a worker's `listen()` had started when it failed. */
export interface StartedParts {
  readonly beat: Stoppable;
  readonly consumer: Stoppable | undefined;
  readonly forwarder: Stoppable | undefined;
  /** Events and remote control. */
  readonly operations: Stoppable | undefined;
  readonly revocations: Stoppable | undefined;
  /** The `/metrics` server. */
  readonly metrics: Stoppable | undefined;
}

/**
 * Stops what a failed start had started: the beat, the consumers that did attach and the delay forwarder, then the
 * revocation listener (last, as in a normal shutdown). A part that fails to stop is logged, not thrown:
 * the start's own error is the one the caller must see.
 */
export async function stopStartedParts(
  parts: StartedParts,
  logger: Pick<LoggerService, 'warn'>,
): Promise<void> {
  const first = await Promise.allSettled([
    parts.beat.close(),
    parts.consumer?.close(),
    parts.forwarder?.close(),
    parts.operations?.close(),
  ]);
  const last = await Promise.allSettled([parts.revocations?.close(), parts.metrics?.close()]);
  for (const result of [...first, ...last]) {
    if (result.status === 'rejected') {
      logger.warn(`While stopping a worker that failed to start: ${errorStack(result.reason)}`);
    }
  }
}

/** The warning for a worker that starts with no task at all: it would dead-letter everything. */
export function noTasksWarning(nodeName: string): string {
  return (
    `Worker ${nodeName} has no tasks: every task it takes will fail NotRegistered and be dead-lettered. ` +
    'Declare @Task() methods on providers of a module that imports TaskQueueModule, and give this ' +
    'worker that module.'
  );
}
