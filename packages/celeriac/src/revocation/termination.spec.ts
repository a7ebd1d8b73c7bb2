import { TaskRevokedError } from '../errors/task-revoked.error.js';
import { TaskAbort } from '../task/task-abort.js';
import { isTerminated, settleWithinTerminationGrace, terminationReason } from './termination.js';

describe('terminationReason / isTerminated', () => {
  it('aborts with a TaskRevokedError that says terminated', () => {
    const abort = new TaskAbort();
    abort.abort(terminationReason('t-1'));
    expect(abort.signal.reason).toBeInstanceOf(TaskRevokedError);
    expect((abort.signal.reason as TaskRevokedError).message).toBe(
      'Task t-1 was revoked: terminated',
    );
    expect(isTerminated(abort)).toBe(true);
  });

  it('does not take another abort (shutdown, time limit) for a termination', () => {
    const abort = new TaskAbort();
    expect(isTerminated(abort)).toBe(false);
    abort.abort(new Error('worker shutdown'));
    expect(isTerminated(abort)).toBe(false);
  });

  it('does not take a plain revoke for a termination', () => {
    const abort = new TaskAbort();
    abort.abort(new TaskRevokedError('t-1', 'revoked'));
    expect(isTerminated(abort)).toBe(false);
  });
});

describe('settleWithinTerminationGrace', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes a value or a throw through unchanged', async () => {
    const abort = new TaskAbort();
    await expect(settleWithinTerminationGrace(Promise.resolve(5), abort, 100)).resolves.toBe(5);
    await expect(
      settleWithinTerminationGrace(Promise.reject(new Error('boom')), abort, 100),
    ).rejects.toThrow('boom');
  });

  it('waits for a handler that stops when told', async () => {
    const abort = new TaskAbort();
    let stop: (value: string) => void = () => undefined;
    const running = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const settled = settleWithinTerminationGrace(running, abort, 1_000);
    abort.abort(terminationReason('t-1'));
    await vi.advanceTimersByTimeAsync(200);
    stop('partial');
    await expect(settled).resolves.toBe('partial');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up on a handler that ignores its signal after the grace, and says so', async () => {
    const abort = new TaskAbort();
    const abandoned = vi.fn();
    const settled = settleWithinTerminationGrace(
      new Promise<never>(() => undefined),
      abort,
      1_000,
      abandoned,
    );
    const outcome = settled.catch((err: unknown) => err);
    abort.abort(terminationReason('t-1'));
    await vi.advanceTimersByTimeAsync(999);
    expect(abandoned).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(abandoned).toHaveBeenCalledOnce();
    expect(await outcome).toBeInstanceOf(TaskRevokedError);
  });

  it('starts the grace at once for a task terminated before it was watched', async () => {
    const abort = new TaskAbort();
    abort.abort(terminationReason('t-1'));
    const abandoned = vi.fn();
    const outcome = settleWithinTerminationGrace(
      new Promise<never>(() => undefined),
      abort,
      1_000,
      abandoned,
    ).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(abandoned).toHaveBeenCalledOnce();
    expect(await outcome).toBe(abort.reason);
  });

  it('starts no grace for other aborts: a shutdown or time limit has its own rules', async () => {
    const abort = new TaskAbort();
    const abandoned = vi.fn();
    void settleWithinTerminationGrace(new Promise<never>(() => undefined), abort, 10, abandoned);
    abort.abort(new Error('worker shutdown'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(abandoned).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets no timer while no terminate arrives', async () => {
    const abort = new TaskAbort();
    let stop: () => void = () => undefined;
    const settled = settleWithinTerminationGrace(
      new Promise<void>((resolve) => {
        stop = resolve;
      }),
      abort,
      1_000,
    );
    expect(vi.getTimerCount()).toBe(0);
    stop();
    await settled;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a terminate that comes after the handler settled', async () => {
    const abort = new TaskAbort();
    const abandoned = vi.fn();
    await expect(
      settleWithinTerminationGrace(Promise.resolve('done'), abort, 10, abandoned),
    ).resolves.toBe('done');
    abort.abort(terminationReason('t-1'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(abandoned).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
