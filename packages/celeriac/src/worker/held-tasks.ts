import type { RunningTask, WaitingTask } from './running-task.js';

/**
 * The tasks a worker holds, for `terminate` and for the inspect commands (`active`, `reserved`,
 * `scheduled`, `stats`) and heartbeats. The runner fills it; the maps are live views, not copies.
 */
export class HeldTasks {
  /** Tasks whose handler runs now, by id. */
  readonly running = new Map<string, RunningTask>();
  /** Held for their eta. Only tasks with an eta pass through here. */
  readonly scheduled = new Map<string, WaitingTask>();
  /** Waiting for a slot or their rate limit; filled only when they have to wait. */
  readonly reserved = new Map<string, WaitingTask>();
  /** Tasks finished since start, by name. */
  readonly totals = new Map<string, number>();
  private finishedCount = 0;

  /** Tasks finished (succeeded, failed, retried, terminated) since the worker started. */
  get processed(): number {
    return this.finishedCount;
  }

  /** A handler returned or threw: counted, and no longer running. */
  finished(task: RunningTask): void {
    this.running.delete(task.message.id);
    this.finishedCount++;
    const name = task.message.task;
    this.totals.set(name, (this.totals.get(name) ?? 0) + 1);
  }
}
