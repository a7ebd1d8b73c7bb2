import { TaskFailedError } from './task-failed.error.js';

describe('TaskFailedError reads in TypeScript terms', () => {
  it("names a Node worker's Error by its JS class, with the worker's stack as the cause", () => {
    const stack = 'Error: boom\n    at OrderTasks.charge (/app/orders.ts:12:11)';
    const error = new TaskFailedError('t1', 'Exception', ['boom'], 'builtins', stack);
    expect(error.message).toBe('Task t1 failed: Error: boom');
    expect(error.errorType).toBe('Error');
    // The wire stays Celery's.
    expect([error.excType, error.excModule]).toEqual(['Exception', 'builtins']);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).stack).toBe(stack);
    expect((error.cause as Error).message).toBe('boom');
  });

  it("keeps a Python worker's exception name, its traceback as the cause's stack", () => {
    const traceback =
      'Traceback (most recent call last):\n  File "tasks.py", line 3\nValueError: bad';
    const error = new TaskFailedError('t2', 'ValueError', ['bad'], 'builtins', traceback);
    expect(error.message).toBe('Task t2 failed: ValueError: bad');
    expect(error.errorType).toBe('ValueError');
    expect((error.cause as Error).stack).toBe(traceback);
  });

  it('says what a time limit did instead of printing its number', () => {
    const hard = new TaskFailedError('t3', 'TimeLimitExceeded', [1], 'billiard.exceptions', null);
    expect(hard.message).toBe(
      'Task t3 failed: TimeLimitExceeded: the task ran past its hard time limit of 1 s',
    );
    const soft = new TaskFailedError(
      't4',
      'SoftTimeLimitExceeded',
      [],
      'billiard.exceptions',
      null,
    );
    expect(soft.message).toBe(
      'Task t4 failed: SoftTimeLimitExceeded: the task ran past its soft time limit',
    );
    expect(soft.cause).toBeUndefined();
  });
});
