import { IllegalStateError } from '../errors/illegal-state.error.js';
import { TaskFailedError } from '../errors/task-failed.error.js';
import { ResultTimeoutError } from '../errors/result-timeout.error.js';
import { TaskRevokedError } from '../errors/task-revoked.error.js';
import { READY_STATES, type ResultMessage, type TaskState } from '../message/result-message.js';
import type { ResultSource } from './result-source.js';

export interface GetResultOptions {
  /**
   * Reject with `ResultTimeoutError` when no final state came within this time; `0` waits until the
   * result comes or the client closes.
   * @defaultValue the `resultTimeoutMs` option (5 minutes unless configured)
   */
  timeoutMs?: number;
}

/** Called with null when the final state arrived, or with the error that ends every wait. */
type Waiter = (err: Error | null) => void;

/**
 * A handle on one task's result, like Celery's `AsyncResult`. With `rpc://` the result is pushed to the
 * handle over the reply queue of the client that sent the task; with Redis the handle reads the store when
 * asked (`get()`, `refresh()`), so it works in any process for any task id.
 */
export class AsyncResult<R = unknown> {
  private currentState: TaskState = 'PENDING';
  private final: ResultMessage | null = null;
  private ended: Error | null = null;
  private readonly waiters = new Set<Waiter>();
  private parentResult: AsyncResult | null = null;
  /** When the handle started waiting (for the backend's stale-entry sweep). */
  readonly createdAt = Date.now();

  constructor(
    /** Task id. */
    readonly id: string,
    private readonly resultsIgnored = false,
    private readonly defaultTimeoutMs = 0,
    private readonly source: ResultSource | null = null,
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

  /** Last known state: PENDING until the worker reports (with Redis: as of the last `refresh()`/`get()`). */
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

  /** Reads the stored state once (Redis); with rpc:// the last state pushed. Unknown ids are PENDING. */
  async refresh(): Promise<TaskState> {
    if (this.source && !this.final) {
      const stored = await this.source.peek(this.id);
      if (stored) this.settle(stored);
    }
    return this.currentState;
  }

  /**
   * Deletes the stored result (Celery's `forget()`). With rpc:// nothing is stored: the handle only stops
   * waiting.
   */
  async forget(): Promise<void> {
    await this.source?.forget(this.id);
    this.final = null;
    this.currentState = 'PENDING';
  }

  /**
   * Resolves the task's return value; rejects with `TaskFailedError`, `TaskRevokedError`,
   * `ResultTimeoutError`, or `ResultUnavailableError` (the client closed, Redis unreachable, or an rpc
   * handle dropped under `maxTrackedResults`).
   */
  async get(options: GetResultOptions = {}): Promise<R> {
    if (this.resultsIgnored) {
      throw new IllegalStateError(
        `Task ${this.id} was sent with ignoreResult; no result will come back`,
      );
    }
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (!this.final && this.source) this.settle(await this.source.waitFor(this.id, timeoutMs));
    const final = this.final ?? (await this.waitForFinal(timeoutMs));
    return this.outcome(final);
  }

  /** Called by the result backend for every reply of this task, in arrival order. */
  settle(message: ResultMessage): void {
    if (this.final) return; // a ready state never changes (late duplicates are ignored)
    this.currentState = message.status;
    if (!READY_STATES.has(message.status)) return;
    this.final = message;
    for (const wake of this.waiters) wake(null);
    this.waiters.clear();
  }

  /** @internal The backend will not deliver this result: every wait, now and later, rejects with `err`. */
  abandon(err: Error): void {
    if (this.final) return;
    this.ended = err;
    for (const wake of this.waiters) wake(err);
    this.waiters.clear();
  }

  private waitForFinal(timeoutMs: number): Promise<ResultMessage> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise<ResultMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const wake: Waiter = (err) => {
        if (timer) clearTimeout(timer);
        if (err) reject(err);
        else if (this.final) resolve(this.final);
      };
      this.waiters.add(wake);
      if (timeoutMs > 0) {
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
