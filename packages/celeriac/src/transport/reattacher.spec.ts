import { EventEmitter } from 'node:events';
import { MAX_REATTACH_DELAY_MS, REATTACH_DELAY_MS, Reattacher } from './reattacher.js';

class FakeConnection extends EventEmitter {
  constructor(readonly name: string) {
    super();
  }
}

/** Stands in for BrokerConnection.onConnect: tells the listener of the current connection and of each new one. */
class FakeSource {
  private listener: ((connection: FakeConnection) => void) | undefined;
  current: FakeConnection | undefined;

  onConnect(listener: (connection: FakeConnection) => void): () => void {
    this.listener = listener;
    if (this.current) listener(this.current);
    return () => {
      this.listener = undefined;
    };
  }

  /** A new connection; the old one closes first unless `closeOld` is false (its 'close' still pending). */
  connect(name: string, closeOld = true): FakeConnection {
    if (closeOld) this.current?.emit('close');
    this.current = new FakeConnection(name);
    this.listener?.(this.current);
    return this.current;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }
}

/** An attach that records where it was asked to attach and fails while `failing` is set. */
function recordingAttach() {
  const attempts: string[] = [];
  const state = { failing: false };
  const attach = (connection: FakeConnection): Promise<void> => {
    attempts.push(connection.name);
    return state.failing ? Promise.reject(new Error('declare failed')) : Promise.resolve();
  };
  return { attempts, state, attach };
}

describe('Reattacher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('attaches on the current connection and again on every reconnect', async () => {
    const source = new FakeSource();
    source.connect('a');
    const { attempts, attach } = recordingAttach();
    const reattacher = new Reattacher(source, attach);
    await reattacher.start();
    source.connect('b');
    source.connect('c');
    expect(attempts).toEqual(['a', 'b', 'c']);
    reattacher.stop();
  });

  it('rejects when the first attach fails, and then attaches nowhere', async () => {
    const source = new FakeSource();
    source.connect('a');
    const { attempts, state, attach } = recordingAttach();
    state.failing = true;
    const reattacher = new Reattacher(source, attach);
    await expect(reattacher.start()).rejects.toThrow('declare failed');
    expect(source.listening).toBe(false);
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS * 2);
    expect(attempts).toEqual(['a']);
  });

  it('retries a failed attach on a live connection with a doubling wait, capped', async () => {
    const source = new FakeSource();
    source.connect('a');
    const { attempts, state, attach } = recordingAttach();
    const waits: number[] = [];
    const reattacher = new Reattacher(source, attach, (_reason, delayMs) => waits.push(delayMs));
    await reattacher.start();
    state.failing = true;
    source.connect('b');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(waits.slice(0, 6)).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000]);
    expect(Math.max(...waits)).toBe(MAX_REATTACH_DELAY_MS);
    expect(attempts.filter((name) => name === 'b').length).toBe(waits.length);
    state.failing = false;
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS);
    const attemptsWhenHealthy = attempts.length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(attempts.length).toBe(attemptsWhenHealthy);
    reattacher.stop();
  });

  it('waits the shortest time again once attached', async () => {
    const source = new FakeSource();
    const connection = source.connect('a');
    const { attach } = recordingAttach();
    const waits: number[] = [];
    const reattacher = new Reattacher(source, attach, (_reason, delayMs) => waits.push(delayMs));
    await reattacher.start();
    reattacher.retryLater(connection, 'channel closed');
    await vi.advanceTimersByTimeAsync(REATTACH_DELAY_MS);
    reattacher.retryLater(connection, 'channel closed');
    await vi.advanceTimersByTimeAsync(2 * REATTACH_DELAY_MS);
    reattacher.attached();
    reattacher.retryLater(connection, 'channel closed');
    expect(waits).toEqual([250, 500, 250]);
    reattacher.stop();
  });

  it('schedules one retry at a time', async () => {
    const source = new FakeSource();
    const connection = source.connect('a');
    const { attempts, attach } = recordingAttach();
    const reattacher = new Reattacher(source, attach);
    await reattacher.start();
    reattacher.retryLater(connection, 'first');
    reattacher.retryLater(connection, 'second');
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS);
    expect(attempts).toEqual(['a', 'a']);
    reattacher.stop();
  });

  it('drops a retry for a connection that another has replaced', async () => {
    const source = new FakeSource();
    const old = source.connect('a');
    const { attempts, attach } = recordingAttach();
    const waits: number[] = [];
    const reattacher = new Reattacher(source, attach, (_reason, delayMs) => waits.push(delayMs));
    await reattacher.start();
    reattacher.retryLater(old, 'channel closed'); // scheduled while `a` is live ...
    source.connect('b', false); // ... then `b` takes over before the timer fires
    reattacher.retryLater(old, 'channel closed'); // `a` is not current: nothing more is scheduled
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS);
    expect(waits).toEqual([250]);
    expect(attempts).toEqual(['a', 'b']);
    reattacher.stop();
  });

  it('schedules nothing on a connection that has closed: the next connect attaches', async () => {
    const source = new FakeSource();
    const connection = source.connect('a');
    const { attempts, attach } = recordingAttach();
    const waits: number[] = [];
    const reattacher = new Reattacher(source, attach, (_reason, delayMs) => waits.push(delayMs));
    await reattacher.start();
    connection.emit('close');
    reattacher.retryLater(connection, 'channel closed');
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS);
    expect(waits).toEqual([]);
    expect(attempts).toEqual(['a']);
    reattacher.stop();
  });

  it('drops a waiting retry and ignores connects after stop()', async () => {
    const source = new FakeSource();
    const connection = source.connect('a');
    const { attempts, attach } = recordingAttach();
    const reattacher = new Reattacher(source, attach);
    await reattacher.start();
    reattacher.retryLater(connection, 'channel closed');
    reattacher.stop();
    source.connect('b');
    await vi.advanceTimersByTimeAsync(MAX_REATTACH_DELAY_MS);
    expect(attempts).toEqual(['a']);
  });
});

describe('Reattacher start bound', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects when no connection comes within the bound, and then listens no more', async () => {
    const source = new FakeSource();
    const { attempts, attach } = recordingAttach();
    const reattacher = new Reattacher(source, attach);

    const started = reattacher.start({ ms: 1_000, error: () => new Error('unreachable') });
    const outcome = started.then(
      () => 'resolved',
      (err: unknown) => (err as Error).message,
    );
    await vi.advanceTimersByTimeAsync(1_000);

    expect(await outcome).toBe('unreachable');
    expect(source.listening).toBe(false);
    source.connect('late');
    expect(attempts).toEqual([]);
  });

  it('resolves on a connection that comes within the bound', async () => {
    const source = new FakeSource();
    const { attach } = recordingAttach();
    const reattacher = new Reattacher(source, attach);

    const started = reattacher.start({ ms: 1_000, error: () => new Error('unreachable') });
    await vi.advanceTimersByTimeAsync(500);
    source.connect('a');
    await vi.advanceTimersByTimeAsync(1_000);

    await expect(started).resolves.toBeUndefined();
    expect(source.listening).toBe(true);
  });
});
