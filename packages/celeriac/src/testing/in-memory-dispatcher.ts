import type { TaskRegistry } from '../discovery/task-registry.js';
import { toError } from '../errors/error-text.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskContext } from '../task/task-context.js';
import type { TaskLimits } from '../task/task-limits.js';
import { boundHandler, type BoundHandler } from '../worker/contract-handler.js';
import { TaskDeclarations } from '../worker/task-declarations.js';
import type { TaskDispatcher } from '../worker/task-dispatcher.js';

/**
 * The worker's view of the app's `@Task()` handlers, as `TaskQueueServer` builds it (the same
 * declarations and the same bound handler call, with argument binding and schema checks), without
 * Nest's microservice handler map. `failNext()` failures are thrown in place of the handler.
 */
export class InMemoryDispatcher implements TaskDispatcher {
  private readonly declarations = new TaskDeclarations();
  private readonly handlers = new Map<string, BoundHandler>();
  private readonly failures: { task: string | null; error: Error }[] = [];

  constructor(registry: TaskRegistry) {
    for (const name of registry.names()) {
      const task = registry.get(name);
      if (!task) continue;
      this.declarations.declare(name, task.metadata.ignoreResult, task.retry, task.limits);
      this.handlers.set(name, boundHandler(task));
    }
  }

  /** The next run of `task` (of any task, when null) throws `error` instead of running its handler. */
  failNext(task: string | null, error: Error): void {
    this.failures.push({ task, error });
  }

  isRegistered(task: string): boolean {
    return this.handlers.has(task);
  }

  ignoresResult(task: string): boolean {
    return this.declarations.ignoresResult(task);
  }

  invoke(message: TaskMessage, ctx: TaskContext): Promise<unknown> {
    const index = this.failures.findIndex((f) => f.task === null || f.task === message.task);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      return Promise.reject(failure?.error ?? new Error('failNext()'));
    }
    const handler = this.handlers.get(message.task);
    if (!handler) return Promise.reject(new IllegalStateError(`No handler for ${message.task}`));
    try {
      return handler(message, ctx);
    } catch (err: unknown) {
      return Promise.reject(toError(err));
    }
  }

  retryPolicy(task: string): RetryPolicy {
    return this.declarations.retryPolicy(task);
  }

  limitsOf(task: string): TaskLimits {
    return this.declarations.limitsOf(task);
  }
}
