import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/time-limit.error.js';
import type { TaskAbort } from '../task/task-abort.js';

/** How a handler call ended: a value, or a throw (boxed, since `undefined` can be thrown too). */
export type CallOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly thrown: unknown };

export interface TimeLimitsMs {
  readonly hardMs: number | null;
  readonly softMs: number | null;
}

/**
 * Runs a handler under Celery's two time limits. At the soft limit the task is aborted with a
 * `SoftTimeLimitExceeded` reason: the handler sees it on `ctx.signal` and may clean up and stop. At the
 * hard limit the call is given up as failed with `TimeLimitExceeded`, whatever the handler does, so the
 * worker can free the slot; `onAbandoned` is told, because the handler's promise may still run (an
 * in-process worker cannot kill a promise; the process pool kills the process).
 */
export async function callWithTimeLimits(
  call: () => Promise<unknown>,
  abort: TaskAbort,
  limits: TimeLimitsMs,
  onAbandoned: () => void,
): Promise<CallOutcome> {
  const timers: NodeJS.Timeout[] = [];
  if (limits.softMs !== null) {
    const softMs = limits.softMs;
    timers.push(
      setTimeout(() => {
        abort.abort(new SoftTimeLimitExceeded(softMs / 1000));
      }, softMs),
    );
  }
  let running: Promise<unknown>;
  try {
    running = call();
  } catch (thrown: unknown) {
    for (const timer of timers) clearTimeout(timer);
    return { ok: false, thrown };
  }
  const settled = running.then(
    (value): CallOutcome => ({ ok: true, value }),
    (thrown: unknown): CallOutcome => ({ ok: false, thrown }),
  );
  try {
    if (limits.hardMs === null) return await settled;
    const hardMs = limits.hardMs;
    const expired = new Promise<CallOutcome>((resolve) => {
      timers.push(
        setTimeout(() => {
          const error = new TimeLimitExceeded(hardMs / 1000);
          abort.abort(error);
          onAbandoned();
          resolve({ ok: false, thrown: error });
        }, hardMs),
      );
    });
    return await Promise.race([settled, expired]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}
