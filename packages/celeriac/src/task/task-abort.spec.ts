import { TaskAbort } from './task-abort.js';

describe('TaskAbort', () => {
  it('starts not aborted, with no reason', () => {
    const abort = new TaskAbort();
    expect(abort.aborted).toBe(false);
    expect(abort.reason).toBeUndefined();
    expect(abort.signal.aborted).toBe(false);
  });

  it('aborts a signal read before, with the reason, and fires its abort event', () => {
    const abort = new TaskAbort();
    const signal = abort.signal;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    const reason = new Error('stop');
    abort.abort(reason);
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(heard).toEqual([reason]);
  });

  it('hands out a signal already aborted, with the reason, when read after the abort', () => {
    const abort = new TaskAbort();
    const reason = new Error('stop');
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it('hands out the same signal every time', () => {
    const abort = new TaskAbort();
    expect(abort.signal).toBe(abort.signal);
  });

  it('keeps the first reason: a later abort changes nothing and calls no listener again', () => {
    const abort = new TaskAbort();
    const listener = vi.fn();
    abort.onAbort(listener);
    const first = new Error('terminated');
    abort.abort(first);
    abort.abort(new Error('time limit'));
    expect(abort.reason).toBe(first);
    expect(abort.signal.reason).toBe(first);
    expect(listener).toHaveBeenCalledOnce();
    expect(listener).toHaveBeenCalledWith(first);
  });

  it('calls every listener once, in the order they were added', () => {
    const abort = new TaskAbort();
    const calls: string[] = [];
    abort.onAbort(() => calls.push('a'));
    abort.onAbort(() => calls.push('b'));
    abort.onAbort(() => calls.push('c'));
    abort.abort(new Error('stop'));
    abort.abort(new Error('again'));
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('aborts the signal before it calls the listeners', () => {
    const abort = new TaskAbort();
    const signal = abort.signal;
    let seen: boolean | undefined;
    abort.onAbort(() => {
      seen = signal.aborted;
    });
    abort.abort(new Error('stop'));
    expect(seen).toBe(true);
  });

  it('does not call a removed listener, and keeps the others in order', () => {
    const abort = new TaskAbort();
    const calls: string[] = [];
    const removeA = abort.onAbort(() => calls.push('a'));
    const removeB = abort.onAbort(() => calls.push('b'));
    abort.onAbort(() => calls.push('c'));
    removeA();
    removeB();
    removeB();
    abort.onAbort(() => calls.push('d'));
    abort.abort(new Error('stop'));
    expect(calls).toEqual(['c', 'd']);
  });

  it('uses the free single slot again once its only listener was removed', () => {
    const abort = new TaskAbort();
    const calls: string[] = [];
    abort.onAbort(() => calls.push('a'))();
    abort.onAbort(() => calls.push('b'));
    abort.abort(new Error('stop'));
    expect(calls).toEqual(['b']);
  });

  it('never calls a listener added after the abort, as an AbortSignal would not', () => {
    const abort = new TaskAbort();
    abort.abort(new Error('stop'));
    const listener = vi.fn();
    const remove = abort.onAbort(listener);
    remove();
    abort.abort(new Error('again'));
    expect(listener).not.toHaveBeenCalled();
  });
});
