import type { TaskMessage } from '../message/task-message.js';
import type { RevocationGate } from '../revocation/revocation-gate.js';
import type { RevocationRecord } from '../revocation/revocation-record.js';
import { terminationReason } from '../revocation/termination.js';
import type { TaskAbort } from '../task/task-abort.js';

/**
 * The revocation stream, in memory: `TaskClient.revoke()` builds and checks its record as usual
 * (`buildRevokeRecord`), and this keeps it where a worker's gate reads it. A terminating revoke of a task
 * that is running aborts its `ctx.signal` through the runner, as a worker's listener does.
 */
export class InMemoryRevocations implements RevocationGate {
  private readonly revoked = new Map<string, number>();
  private readonly terminated = new Set<string>();
  private terminate: (taskId: string, reason: Error) => boolean = () => false;

  constructor(private readonly retentionMs: number) {}

  /** Where terminating revokes go: the in-memory worker's runner. */
  onTerminate(terminate: (taskId: string, reason: Error) => boolean): void {
    this.terminate = terminate;
  }

  /** `RevocationPublisher.publish`, as the client calls it. */
  publish(record: RevocationRecord): Promise<void> {
    if (record.kind !== 'revoke') return Promise.resolve();
    for (const id of record.ids) {
      this.revoked.set(id, record.at);
      if (record.terminate) {
        this.terminated.add(id);
        this.terminate(id, terminationReason(id));
      }
    }
    return Promise.resolve();
  }

  /** Celery's broadcast reaches Python workers only; there are none in memory. */
  broadcastToCelery(): Promise<void> {
    return Promise.resolve();
  }

  isRevoked(taskId: string): boolean {
    const at = this.revoked.get(taskId);
    return at !== undefined && Date.now() - at <= this.retentionMs;
  }

  wasTerminated(taskId: string): boolean {
    return this.terminated.has(taskId);
  }

  whileRunning(
    _message: TaskMessage,
    _abort: TaskAbort,
    running: Promise<unknown>,
  ): Promise<unknown> {
    return running;
  }
}
