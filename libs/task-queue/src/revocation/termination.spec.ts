import { TaskRevokedError } from '../errors/task-revoked.error.js';
import { isTerminated, settleWithinTerminationGrace, terminationReason } from './termination.js';

describe('terminationReason / isTerminated', () => {
  it('aborts with a TaskRevokedError that says terminated', () => {
    const controller = new AbortController();
    controller.abort(terminationReason('t-1'));
    expect(controller.signal.reason).toBeInstanceOf(TaskRevokedError);
    expect((controller.signal.reason as TaskRevokedError).message).toBe(
      'Task t-1 was revoked: terminated',
    );
    expect(isTerminated(controller.signal)).toBe(true);
  });

  it('does not take another abort (shutdown, time limit) for a termination', () => {
    const controller = new AbortController();
    expect(isTerminated(controller.signal)).toBe(false);
    controller.abort(new Error('worker shutdown'));
    expect(isTerminated(controller.signal)).toBe(false);
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
    const signal = new AbortController().signal;
    await expect(settleWithinTerminationGrace(Promise.resolve(5), signal, 100)).resolves.toBe(5);
    await expect(
      settleWithinTerminationGrace(Promise.reject(new Error('boom')), signal, 100),
    ).rejects.toThrow('boom');
  });

  it('waits for a handler that stops when told', async () => {
    const controller = new AbortController();
    let stop: (value: string) => void = () => undefined;
    const running = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const settled = settleWithinTerminationGrace(running, controller.signal, 1_000);
    controller.abort(terminationReason('t-1'));
    await vi.advanceTimersByTimeAsync(200);
    stop('partial');
    await expect(settled).resolves.toBe('partial');
  });

  it('gives up on a handler that ignores its signal after the grace, and says so', async () => {
    const controller = new AbortController();
    const abandoned = vi.fn();
    const settled = settleWithinTerminationGrace(
      new Promise<never>(() => undefined),
      controller.signal,
      1_000,
      abandoned,
    );
    const outcome = settled.catch((err: unknown) => err);
    controller.abort(terminationReason('t-1'));
    await vi.advanceTimersByTimeAsync(999);
    expect(abandoned).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(abandoned).toHaveBeenCalledOnce();
    expect(await outcome).toBeInstanceOf(TaskRevokedError);
  });

  it('starts no grace for other aborts: a shutdown or time limit has its own rules', async () => {
    const controller = new AbortController();
    const abandoned = vi.fn();
    void settleWithinTerminationGrace(
      new Promise<never>(() => undefined),
      controller.signal,
      10,
      abandoned,
    );
    controller.abort(new Error('worker shutdown'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(abandoned).not.toHaveBeenCalled();
  });
});
