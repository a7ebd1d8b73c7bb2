import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../task/retry-policy.js';
import { NO_LIMITS, type TaskLimits } from '../task/task-limits.js';

/**
 * What each `@Task()` declared that the runner asks about as it runs one: whether it ignores its result,
 * its retry policy, its time and rate limits. Filled at boot; a name declared nowhere (a `@MessagePattern`
 * handler) gets the defaults.
 */
export class TaskDeclarations {
  private readonly ignoredResults = new Set<string>();
  private readonly retryPolicies = new Map<string, RetryPolicy>();
  private readonly limits = new Map<string, TaskLimits>();

  declare(name: string, ignoreResult: boolean, retry: RetryPolicy, limits: TaskLimits): void {
    if (ignoreResult) this.ignoredResults.add(name);
    this.retryPolicies.set(name, retry);
    this.limits.set(name, limits);
  }

  ignoresResult(task: string): boolean {
    return this.ignoredResults.has(task);
  }

  retryPolicy(task: string): RetryPolicy {
    return this.retryPolicies.get(task) ?? DEFAULT_RETRY_POLICY;
  }

  limitsOf(task: string): TaskLimits {
    return this.limits.get(task) ?? NO_LIMITS;
  }

  /** Replaces a task's limits at run time (the `rate_limit` and `time_limit` commands). */
  changeLimits(task: string, change: Partial<TaskLimits>): void {
    this.limits.set(task, Object.freeze({ ...this.limitsOf(task), ...change }));
  }
}

/**
 * A hard limit at or above the broker's consumer_timeout could never fire: RabbitMQ closes the channel
 * first and redelivers the task, which then runs again. Refused at boot.
 * @throws InvalidTaskOptionsError naming the handler `owner`
 */
export function checkedLimits(limits: TaskLimits, owner: string, brokerMs: number): TaskLimits {
  if (limits.timeLimitMs !== null && limits.timeLimitMs >= brokerMs) {
    throw new InvalidTaskOptionsError(
      owner,
      'timeLimit',
      `must be below the broker's consumer_timeout (${brokerMs / 1000} s, option brokerConsumerTimeoutMs), ` +
        `got ${limits.timeLimitMs / 1000} s: RabbitMQ would close the channel first and redeliver the task. ` +
        `Raise consumer_timeout in rabbitmq.conf and brokerConsumerTimeoutMs together, or split the task.`,
    );
  }
  return limits;
}
