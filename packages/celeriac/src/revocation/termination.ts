import { TaskRevokedError } from '../errors/task-revoked.error.js';
import type { TaskAbort } from '../task/task-abort.js';

/** `TaskRevokedError.reason` of a task stopped by `revoke(id, { terminate: true })`. */
export const TERMINATED = 'terminated';

/** The reason `ctx.signal` aborts with when a revocation terminates the task. */
export function terminationReason(taskId: string): TaskRevokedError {
  return new TaskRevokedError(taskId, TERMINATED);
}

/** True when the task was aborted by a terminating revocation (not by a shutdown or a time limit). */
export function isTerminated(abort: TaskAbort): boolean {
  return terminationOf(abort) !== null;
}

function terminationOf(abort: TaskAbort): TaskRevokedError | null {
  const reason = abort.reason;
  return reason instanceof TaskRevokedError && reason.reason === TERMINATED ? reason : null;
}

/**
 * Lets a handler's promise settle as it does, except that once `abort` is aborted by a terminating
 * revocation the handler has `graceMs` to settle; after that the returned promise rejects with the abort
 * reason, so the worker can report the task and free its slot. An in-process worker cannot kill a promise:
 * a handler that ignores its signal keeps running, and whatever it settles with later is dropped.
 */
export function settleWithinTerminationGrace<T>(
  running: Promise<T>,
  abort: TaskAbort,
  graceMs: number,
  onAbandoned: () => void = () => undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // This runs for every task, and almost none is terminated: all it costs until then is one listener
    // and passing the outcome on. The timer, and clearing it when the handler settles, come with a
    // terminate. The listener is not removed when the handler settles: the TaskAbort goes with the task,
    // and a terminate arriving after that only starts a timer that the settled handler clears at once.
    const startGrace = (): void => {
      const reason = terminationOf(abort);
      if (reason === null) return;
      const timer = setTimeout(() => {
        onAbandoned();
        reject(reason);
      }, graceMs);
      const stopGrace = (): void => {
        clearTimeout(timer);
      };
      running.then(stopGrace, stopGrace);
    };
    if (abort.aborted) startGrace();
    else abort.onAbort(startGrace);
    running.then(resolve, reject);
  });
}
