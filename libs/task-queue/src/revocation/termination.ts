import { TaskRevokedError } from '../errors/task-revoked.error.js';

/** `TaskRevokedError.reason` of a task stopped by `revoke(id, { terminate: true })`. */
export const TERMINATED = 'terminated';

/** The reason `ctx.signal` aborts with when a revocation terminates the task. */
export function terminationReason(taskId: string): TaskRevokedError {
  return new TaskRevokedError(taskId, TERMINATED);
}

/** True when `signal` was aborted by a terminating revocation (not by a shutdown or a time limit). */
export function isTerminated(signal: AbortSignal): boolean {
  return (
    signal.aborted &&
    signal.reason instanceof TaskRevokedError &&
    signal.reason.reason === TERMINATED
  );
}

/**
 * Lets a handler's promise settle as it does, except that once `signal` is aborted by a terminating
 * revocation the handler has `graceMs` to settle; after that the returned promise rejects with the abort
 * reason, so the worker can report the task and free its slot. An in-process worker cannot kill a promise:
 * a handler that ignores its signal keeps running, and whatever it settles with later is dropped.
 */
export function settleWithinTerminationGrace<T>(
  running: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
  onAbandoned: () => void = () => undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const startGrace = (): void => {
      if (!isTerminated(signal)) return;
      timer = setTimeout(() => {
        onAbandoned();
        reject(signal.reason as Error);
      }, graceMs);
    };
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', startGrace);
    };
    if (signal.aborted) startGrace();
    else signal.addEventListener('abort', startGrace, { once: true });
    running.then(
      (value) => {
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's own throw, unchanged
        reject(err);
      },
    );
  });
}
