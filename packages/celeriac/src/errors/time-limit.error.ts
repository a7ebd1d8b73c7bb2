import { TaskQueueError } from './task-queue.error.js';

/**
 * The reason `ctx.signal` aborts with when a task passes its soft time limit; throw it (or let an
 * abortable call throw it) to end the task. Reported as Celery's `billiard.exceptions.SoftTimeLimitExceeded`.
 */
export class SoftTimeLimitExceeded extends TaskQueueError {
  readonly code = 'TASK_QUEUE_SOFT_TIME_LIMIT';
  readonly excType = 'SoftTimeLimitExceeded';
  readonly excModule = 'billiard.exceptions';
  readonly excArgs: readonly unknown[];

  constructor(readonly seconds: number) {
    super(`Soft time limit (${seconds} s) exceeded`);
    this.excArgs = [seconds];
  }
}

/**
 * A task ran past its hard time limit. The worker reports it failed (Celery's
 * `billiard.exceptions.TimeLimitExceeded`) and frees its slot; an in-process handler that ignored its
 * signal may still be running.
 */
export class TimeLimitExceeded extends TaskQueueError {
  readonly code = 'TASK_QUEUE_TIME_LIMIT';
  readonly excType = 'TimeLimitExceeded';
  readonly excModule = 'billiard.exceptions';
  readonly excArgs: readonly unknown[];

  constructor(readonly seconds: number) {
    super(`Time limit (${seconds} s) exceeded`);
    this.excArgs = [seconds];
  }
}
