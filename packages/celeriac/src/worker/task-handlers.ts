import type { TaskRegistry } from '../discovery/task-registry.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskContext } from '../task/task-context.js';
import type { TaskLimits } from '../task/task-limits.js';
import { boundHandler } from './contract-handler.js';
import { checkedLimits } from './task-declarations.js';

/** One discovered `@Task()`, ready for Nest's handler map. */
export interface TaskHandler {
  readonly name: string;
  readonly owner: string;
  readonly ignoreResult: boolean;
  readonly retry: RetryPolicy;
  readonly limits: TaskLimits;
  /** Binds the message's args and kwargs to the method's parameters (checked by its schemas, if any), then calls it. */
  readonly handler: (message: TaskMessage, ctx: TaskContext) => Promise<unknown>;
  /** Nest's handler extras: the task's metadata. */
  readonly extras: Record<string, unknown>;
}

/**
 * The registered tasks as handlers, each with its limits checked against the broker's consumer_timeout
 * (`brokerMs`).
 * @throws InvalidTaskOptionsError for a hard time limit the broker would pre-empt
 */
export function taskHandlers(registry: TaskRegistry, brokerMs: number): TaskHandler[] {
  const handlers: TaskHandler[] = [];
  for (const name of registry.names()) {
    const task = registry.get(name);
    if (!task) continue;
    const { ignoreResult } = task.metadata;
    handlers.push({
      name,
      owner: task.owner,
      ignoreResult,
      retry: task.retry,
      limits: checkedLimits(task.limits, task.owner, brokerMs),
      handler: boundHandler(task),
      extras: { celeriac: task.metadata },
    });
  }
  return handlers;
}
