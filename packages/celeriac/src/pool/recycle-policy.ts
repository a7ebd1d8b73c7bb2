/** When a child of `--pool processes` retires after a task (Celery's `worker_max_*_per_child`). */
export interface RecycleLimits {
  /** `--max-tasks-per-child`, or null for no limit. */
  readonly maxTasks: number | null;
  /** `--max-memory-per-child`, in KiB as in Celery, or null for no limit. */
  readonly maxMemoryKiB: number | null;
}

/**
 * Why a child should retire now, after its `tasks`-th task, or null to keep going. As in Celery, the memory
 * limit is checked only after a task: the task that went over it still completes, then the child goes.
 */
export function recycleReason(
  tasks: number,
  rssBytes: number,
  limits: RecycleLimits,
): string | null {
  if (limits.maxTasks !== null && tasks >= limits.maxTasks) {
    return `it ran ${tasks} task(s) (--max-tasks-per-child ${limits.maxTasks})`;
  }
  const rssKiB = Math.round(rssBytes / 1024);
  if (limits.maxMemoryKiB !== null && rssKiB > limits.maxMemoryKiB) {
    return `its resident memory, ${rssKiB} KiB, is above --max-memory-per-child ${limits.maxMemoryKiB} KiB`;
  }
  return null;
}
