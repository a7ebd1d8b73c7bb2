import type { AsyncResult } from './async-result.js';

/**
 * A client's side of a result backend: `rpc://` (`RpcResultBackend`) or Redis (`RedisResultBackend`).
 * The client sends with `replyQueue` as `reply_to` and hands out `track()`'s handles.
 */
export interface ResultBackend {
  readonly kind: 'rpc' | 'redis';
  /** The `reply_to` of the tasks this process sends (an rpc reply queue; with Redis only Celery's oid). */
  readonly replyQueue: string;
  /**
   * Makes results receivable; resolves before the first task that wants one is published, waiting at
   * most `timeoutMs` (then it rejects and the send fails, with nothing published).
   */
  start(timeoutMs: number): Promise<void>;
  /** A handle on this task's result. */
  track<R>(taskId: string): AsyncResult<R>;
  /** Forget a handle, e.g. after its publish failed. */
  untrack(taskId: string): void;
  /** Results this process keeps in memory waiting for (always 0 with Redis: handles ask when read). */
  readonly pendingCount: number;
  /** Stores a group's member ids under `celery-taskset-meta-<id>` (Celery's `GroupResult.save()`). */
  saveGroup(groupId: string, memberIds: readonly string[]): Promise<void>;
  /** Member ids of a saved group, or null when none is saved (Celery's `GroupResult.restore()`). */
  restoreGroup(groupId: string): Promise<string[] | null>;
  /** Deletes a saved group (not its members' results). */
  forgetGroup(groupId: string): Promise<void>;
  /** Tells the chord join how many header members to wait for, before any member is sent. */
  setChordSize(groupId: string, size: number): Promise<void>;
  /** Ends every wait (`ResultUnavailableError` with reason `closed`) and closes connections. */
  close(): Promise<void>;
}
