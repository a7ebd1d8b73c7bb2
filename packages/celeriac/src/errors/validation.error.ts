import { NON_RETRYABLE_CODE } from './non-retryable.error.js';
import { TaskQueueError } from './task-queue.error.js';
import { describeIssues, type SchemaIssue } from './schema-issues.js';

/**
 * A worker refused a task's arguments (or its handler's result) because the task's schema rejected them.
 * The task fails at once and is dead-lettered; it is never retried, since the same message would fail
 * the same way. On the wire it is `ValidationError` from module `celeriac`, so a Python caller's `.get()`
 * raises an exception of that name whose text is the message below.
 */
export class ValidationError extends TaskQueueError {
  /** The non-retryable code: the retry decision reads codes, so no retry policy can retry it. */
  readonly code = NON_RETRYABLE_CODE;

  constructor(
    readonly task: string,
    /** What was checked: the call's arguments or the handler's result. */
    readonly checked: 'arguments' | 'result',
    readonly issues: readonly SchemaIssue[],
  ) {
    super(
      checked === 'arguments'
        ? `${task}() got arguments that do not match its schema: ${describeIssues(issues)}`
        : `${task}() returned a result that does not match its schema: ${describeIssues(issues)}`,
    );
  }
}
