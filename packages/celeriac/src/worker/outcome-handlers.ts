import { TaskReporter } from '../results/task-reporter.js';
import type { TaskPublisher } from '../sending/task-publisher.js';
import type { Publisher } from '../transport/publisher.js';
import { FailureHandler } from './failure-handler.js';
import { FollowUpPublisher } from './follow-up-publisher.js';
import { RevokedTasks } from './revoked-tasks.js';
import { SuccessHandler } from './success-handler.js';
import type { TaskDispatcher } from './task-dispatcher.js';
import type { TaskRunnerOptions } from './task-runner.js';

/** What a runner answers a task's outcome with: its result or dead letter, follow-ups, retries. */
export interface OutcomeHandlers {
  readonly reporter: TaskReporter;
  readonly failures: FailureHandler;
  readonly successes: SuccessHandler;
  readonly revoked: RevokedTasks;
}

/**
 * The runner's outcome handlers, wired to one another: follow-ups that fail report through the reporter,
 * failures may publish follow-ups (link_error) and retries, a success that cannot be encoded fails.
 */
export function outcomeHandlers(
  publisher: Publisher,
  tasks: TaskPublisher,
  dispatcher: TaskDispatcher,
  options: TaskRunnerOptions,
): OutcomeHandlers {
  const reporter = new TaskReporter(publisher, options.results ?? null);
  const followUps = new FollowUpPublisher(
    tasks,
    options.origin,
    (taskId, replyTo, exception) =>
      reporter.sendResult(replyTo, taskId, taskId, 'FAILURE', null, {
        info: exception,
        traceback: null,
      }),
    options.chords ?? null,
  );
  const failures = new FailureHandler(reporter, followUps, {
    tasks,
    origin: options.origin,
    policyOf: (task) => dispatcher.retryPolicy(task),
  });
  return {
    reporter,
    failures,
    successes: new SuccessHandler(reporter, followUps, failures),
    revoked: new RevokedTasks(reporter, followUps, options.events),
  };
}
