import { TaskQueueError } from './task-queue.error.js';
import { describeIssues, type SchemaIssue } from './schema-issues.js';

/**
 * `TaskClient.send()` (or `delay()`) was given arguments that the task reference's `args` schema rejects;
 * nothing was published. `issues` are the schema's own, as its library reported them.
 */
export class InvalidTaskArgumentsError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_INVALID_TASK_ARGUMENTS';

  constructor(
    readonly task: string,
    readonly issues: readonly SchemaIssue[],
  ) {
    super(`Invalid arguments for task ${task}: ${describeIssues(issues)}`);
  }
}
