/** Called once when a task is aborted, with the reason. */
export type TaskAbortListener = (reason: Error) => void;

/**
 * How a running task is told to stop: worker shutdown past its grace period, a time limit, or a revoke
 * with `terminate`. Behind it is the `AbortSignal` a handler sees as `ctx.signal`, created only when the
 * signal is first read: most handlers never read it, and creating an `AbortController` (an `EventTarget`)
 * costs microseconds per task on a worker that runs tens of thousands a second. The worker's own
 * listeners (`onAbort`) are plain callbacks for the same reason.
 */
export class TaskAbort {
  private controller: AbortController | undefined;
  private abortedWith: Error | undefined;
  /** Most tasks get one listener at most (the termination grace); the array only comes with a second. */
  private listener: TaskAbortListener | undefined;
  private moreListeners: TaskAbortListener[] | undefined;

  /** The handler's `ctx.signal`; already aborted, with the same reason, if `abort` came first. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** What the task was aborted with, or undefined while it was not. */
  get reason(): Error | undefined {
    return this.abortedWith;
  }

  /**
   * Aborts the task: the signal (if it was read) and the listeners, in the order they were added. The first
   * call wins; later ones (a time limit after a terminate, say) change nothing, as with an `AbortSignal`.
   */
  abort(reason: Error): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    const first = this.listener;
    const more = this.moreListeners;
    this.listener = undefined;
    this.moreListeners = undefined;
    first?.(reason);
    if (more) for (const listener of more) listener(reason);
  }

  /**
   * Calls `listener` when the task is aborted. As with an `AbortSignal`'s `abort` event, a listener added
   * after the abort is never called: check `aborted` first. Listeners are the worker's own and must not
   * throw (one that did would keep the later ones from being called).
   *
   * @returns a function that removes the listener
   */
  onAbort(listener: TaskAbortListener): () => void {
    if (this.abortedWith !== undefined) return noop;
    if (this.listener === undefined && this.moreListeners === undefined) this.listener = listener;
    else (this.moreListeners ??= []).push(listener);
    return () => {
      this.removeListener(listener);
    };
  }

  private removeListener(listener: TaskAbortListener): void {
    if (this.listener === listener) {
      this.listener = undefined;
      return;
    }
    const index = this.moreListeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.moreListeners?.splice(index, 1);
  }
}

function noop(): void {
  // nothing to remove
}
