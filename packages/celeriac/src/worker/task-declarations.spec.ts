import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from '../task/retry-policy.js';
import { NO_LIMITS, type TaskLimits } from '../task/task-limits.js';
import { checkedLimits, TaskDeclarations } from './task-declarations.js';

const limits = (timeLimitMs: number | null): TaskLimits => ({
  timeLimitMs,
  softTimeLimitMs: null,
  ratePerSecond: 5,
});

describe('TaskDeclarations', () => {
  it('answers with what a task declared', () => {
    const declarations = new TaskDeclarations();
    const retry = resolveRetryPolicy({ maxRetries: 7 }, 'Demo.add');
    declarations.declare('demo.add', true, retry, limits(1_000));
    expect(declarations.ignoresResult('demo.add')).toBe(true);
    expect(declarations.retryPolicy('demo.add')).toBe(retry);
    expect(declarations.limitsOf('demo.add')).toEqual(limits(1_000));
  });

  it('a task that keeps its result is not listed as ignoring it', () => {
    const declarations = new TaskDeclarations();
    declarations.declare('demo.add', false, DEFAULT_RETRY_POLICY, NO_LIMITS);
    expect(declarations.ignoresResult('demo.add')).toBe(false);
  });

  it('a name declared nowhere (a @MessagePattern handler) gets the defaults', () => {
    const declarations = new TaskDeclarations();
    expect(declarations.ignoresResult('legacy')).toBe(false);
    expect(declarations.retryPolicy('legacy')).toBe(DEFAULT_RETRY_POLICY);
    expect(declarations.limitsOf('legacy')).toBe(NO_LIMITS);
  });
});

describe('checkedLimits', () => {
  it("passes a hard limit below the broker's consumer_timeout, or none", () => {
    expect(checkedLimits(limits(59_999), 'Demo.add', 60_000)).toEqual(limits(59_999));
    expect(checkedLimits(limits(null), 'Demo.add', 60_000)).toEqual(limits(null));
  });

  it('refuses one at or above it, naming the handler, the field and both values', () => {
    let error: unknown;
    try {
      checkedLimits(limits(60_000), 'Demo.add', 60_000);
    } catch (err: unknown) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as Error).message).toMatch(/Demo\.add/);
    expect((error as Error).message).toMatch(/timeLimit/);
    expect((error as Error).message).toMatch(/consumer_timeout \(60 s.*got 60 s/);
  });
});
