import type { TaskMessage } from '../message/task-message.js';
import type { RetryPolicy } from '../task/retry-policy.js';
import type { TaskContext } from '../task/task-context.js';
import type { TaskLimits } from '../task/task-limits.js';

/** How the runner reaches the handlers; implemented by `TaskQueueServer` over Nest's handler map. */
export interface TaskDispatcher {
  isRegistered(task: string): boolean;
  /** True when the task's handler never sends a SUCCESS result. */
  ignoresResult(task: string): boolean;
  invoke(message: TaskMessage, ctx: TaskContext): Promise<unknown>;
  /** The task's retry options (`@Task({ maxRetries, autoretryFor, ... })`), with defaults applied. */
  retryPolicy(task: string): RetryPolicy;
  /** The task's time and rate limits (`@Task({ timeLimit, softTimeLimit, rateLimit })`). */
  limitsOf(task: string): TaskLimits;
}
