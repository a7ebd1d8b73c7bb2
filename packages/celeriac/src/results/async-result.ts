import { IllegalStateError } from '../errors/illegal-state.error.js';
import { TaskFailedError } from '../errors/task-failed.error.js';
import { ResultTimeoutError } from '../errors/result-timeout.error.js';
import { TaskRevokedError } from '../errors/task-revoked.error.js';
import { READY_STATES, type ResultMessage, type TaskState } from '../message/result-message.js';

export interface GetResultOptions {
  /** Reject with `ResultTimeoutError` when no final state came within this time. Waits forever if unset. */
  timeoutMs?: number;
}

/**
 * A handle on one task's result, like Celery's `AsyncResult`. Results travel over the rpc:// reply queue
 * of the client that sent the task, so only that client's handles ever see them.
 */
export class AsyncResult<R = unknown> {
  private currentState: TaskState = 'PENDING';
  private final: ResultMessage | null = null;
  private readonly waiters = new Set<() => void>();
  private parentResult: AsyncResult | null = null;
  /** When the handle started waiting (for the backend's stale-entry sweep). */
  readonly createdAt = Date.now();

  constructor(
    /** Task id. */
    readonly id: string,
    private readonly resultsIgnored = false,
  ) {}

  /** A handle for a task sent with `ignoreResult`: it knows its id, and `get()` refuses to wait. */
  static ignored<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, true);
  }

  /** The previous step when this is a step of a chain (Celery's `.parent`), else null. */
  get parent(): AsyncResult | null {
    return this.parentResult;
  }

  /** @internal Set by the client when it sends a chain. */
  setParent(parent: AsyncResult): void {
    this.parentResult = parent;
  }

  /** Last known state: PENDING until the worker reports. */
  get state(): TaskState {
    return this.currentState;
  }

  /** True once the task succeeded, failed or was revoked. */
  ready(): boolean {
    return this.final !== null;
  }

  /** True when the task succeeded. */
  successful(): boolean {
    return this.final?.status === 'SUCCESS';
  }

  /** Resolves the task's return value; rejects with `TaskFailedError`, `TaskRevokedError` or `ResultTimeoutError`. */
  async get(options: GetResultOptions = {}): Promise<R> {
    if (this.resultsIgnored) {
      throw new IllegalStateError(
        `Task ${this.id} was sent with ignoreResult; no result will come back`,
      );
    }
    const final = this.final ?? (await this.waitForFinal(options.timeoutMs));
    return this.outcome(final);
  }

  /** Called by the result backend for every reply of this task, in arrival order. */
  settle(message: ResultMessage): void {
    if (this.final) return; // a ready state never changes (late duplicates are ignored)
    this.currentState = message.status;
    if (!READY_STATES.has(message.status)) return;
    this.final = message;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  private waitForFinal(timeoutMs: number | undefined): Promise<ResultMessage> {
    return new Promise<ResultMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        if (this.final) resolve(this.final);
      };
      this.waiters.add(wake);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.delete(wake);
          reject(new ResultTimeoutError(this.id, timeoutMs, this.currentState));
        }, timeoutMs);
      }
    });
  }

  private outcome(final: ResultMessage): R {
    if (final.status === 'SUCCESS') return final.result as R;
    if (final.status === 'REVOKED') {
      const reason = final.exception?.excMessage[0];
      throw new TaskRevokedError(this.id, typeof reason === 'string' ? reason : 'revoked');
    }
    const exc = final.exception;
    throw new TaskFailedError(
      this.id,
      exc?.excType ?? 'Exception',
      exc?.excMessage ?? [String(final.result)],
      exc?.excModule ?? 'builtins',
      final.traceback,
    );
  }
}
