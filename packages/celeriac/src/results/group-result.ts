import type { AsyncResult, GetResultOptions } from './async-result.js';

/** The results of a group's members, in order (Celery's `GroupResult`). */
export class GroupResult<R = unknown> {
  constructor(
    /** Group id (the `group` header of every member). */
    readonly id: string,
    readonly results: readonly AsyncResult<R>[],
  ) {}

  /** True once every member is ready. */
  ready(): boolean {
    return this.results.every((r) => r.ready());
  }

  /** How many members succeeded so far. */
  completedCount(): number {
    return this.results.filter((r) => r.successful()).length;
  }

  /**
   * Every member's return value, in order. Rejects with the first failure (as Celery's `join()`), or
   * with `ResultTimeoutError` when `timeoutMs` passes first (one deadline for the whole group).
   */
  async get(options: GetResultOptions = {}): Promise<R[]> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const values: R[] = [];
    for (const result of this.results) {
      const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      values.push(await result.get(timeoutMs === undefined ? {} : { timeoutMs }));
    }
    return values;
  }
}
