import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import type { TaskQueueRuntime } from './task-queue.runtime.js';
import { RevocationListener } from '../revocation/revocation-listener.js';

/** Time a starting worker allows itself to read the retention window back, beyond connecting and publishing. */
const READ_BACK_ALLOWANCE_MS = 30_000;
/** How long a task waits to be admitted while the worker re-reads revocations after a reconnect. */
const RESYNC_WAIT_MS = 5_000;

/** A worker's reader of the revocation stream, on its consuming connection. */
export function revocationListener(
  runtime: TaskQueueRuntime,
  options: ResolvedTaskQueueOptions,
): RevocationListener {
  return new RevocationListener(runtime.connections.get('consume'), runtime.revocationPublisher(), {
    maxIds: options.revocation.maxIds,
    startTimeoutMs: options.connectTimeoutMs + options.publishTimeoutMs + READ_BACK_ALLOWANCE_MS,
    resyncWaitMs: RESYNC_WAIT_MS,
    terminateGraceMs: options.revocation.terminateGraceMs,
    celeryRemoteControl: { nodeName: options.worker.nodeName, publisher: runtime.publisher },
  });
}
