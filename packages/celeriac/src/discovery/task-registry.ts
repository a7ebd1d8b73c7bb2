import { DuplicateTaskError } from '../errors/duplicate-task.error.js';
import type { TaskMetadata } from '../decorators/task.decorator.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskLimits } from '../task/task-limits.js';

/** A discovered task handler, bound to its provider instance. */
export interface RegisteredTask {
  readonly metadata: TaskMetadata;
  /** `Class.method`, for errors and logs. */
  readonly owner: string;
  /** Calls the handler with bound positional args; the last argument is the task context. */
  readonly handler: (...args: unknown[]) => unknown;
  /** The retry options of `@Task()`, checked, with the defaults applied. */
  readonly retry: RetryPolicy;
  /** Time and rate limits, checked. */
  readonly limits: TaskLimits;
}

/**
 * Every task this process can run, by wire name. A `Map` on purpose: a plain object would resolve
 * `constructor` or `__proto__` to something callable (reliability.md §5).
 */
export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  /** @throws DuplicateTaskError when the name is taken. */
  register(task: RegisteredTask): void {
    const existing = this.tasks.get(task.metadata.name);
    if (existing) throw new DuplicateTaskError(task.metadata.name, existing.owner, task.owner);
    this.tasks.set(task.metadata.name, task);
  }

  get(name: string): RegisteredTask | undefined {
    return this.tasks.get(name);
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  /** Registered names, sorted (Celery's `inspect registered`). */
  names(): string[] {
    return [...this.tasks.keys()].sort();
  }
}
