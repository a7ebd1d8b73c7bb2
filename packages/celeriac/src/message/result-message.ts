/**
 * The rpc:// result message (celery-protocol.md §7–§9).
 */

/** Celery task states (celery-protocol.md §8). */
export type TaskState =
  'PENDING' | 'RECEIVED' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED';

/** States that end a wait: the task will not change state again. */
export const READY_STATES: ReadonlySet<TaskState> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** A serialized exception, as Celery puts it in `result` for FAILURE, RETRY and REVOKED. */
export interface ExceptionInfo {
  /** Qualified class name, e.g. `ValueError`. */
  readonly excType: string;
  /** The exception's args; Celery always sends a list, even for one message. */
  readonly excMessage: readonly unknown[];
  /** Python module, e.g. `builtins` or `celery.exceptions`. */
  readonly excModule: string;
}

/** A result message body, decoded. */
export interface ResultMessage {
  readonly taskId: string;
  readonly status: TaskState;
  /** SUCCESS: the return value; FAILURE/RETRY/REVOKED: see `exception`; STARTED: `{pid, hostname}`. */
  readonly result: unknown;
  /** Set for FAILURE, RETRY and REVOKED when `result` has the exception shape. */
  readonly exception: ExceptionInfo | null;
  readonly traceback: string | null;
  /** Child result tuples, kept as received (celery-protocol.md §7). */
  readonly children: readonly unknown[];
}
