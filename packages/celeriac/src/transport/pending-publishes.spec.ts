import { PendingPublishes, type PendingPublish } from './pending-publishes.js';

function pending(name: string, deadline: number, outcomes: string[]): PendingPublish<string> {
  return {
    request: name,
    deadline,
    resolve: () => outcomes.push(`${name} resolved`),
    reject: (err) => outcomes.push(`${name} rejected: ${err.message}`),
    channel: undefined,
    written: false,
    settled: false,
    nacks: 0,
    exchange: '',
    routingKey: name,
  };
}

describe('PendingPublishes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires publishes at their deadline with one timer, and only those past it', () => {
    const outcomes: string[] = [];
    const expired: string[] = [];
    const queue = new PendingPublishes<string>((p) => {
      expired.push(p.request);
      queue.settle(p);
    });
    queue.add(pending('a', 1_100, outcomes));
    queue.add(pending('b', 1_200, outcomes));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['a']);
    expect(queue.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops its timer when the last publish settles, and settles each publish once', () => {
    const outcomes: string[] = [];
    const queue = new PendingPublishes<string>(() => undefined);
    const a = pending('a', 1_100, outcomes);
    queue.add(a);
    expect(queue.settle(a)).toBe(true);
    expect(queue.settle(a)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('finds a late-added earlier deadline at the next expiry', () => {
    const expired: string[] = [];
    const queue = new PendingPublishes<string>((p) => {
      expired.push(p.request);
      queue.settle(p);
    });
    queue.add(pending('late-deadline', 1_500, []));
    // Added after, but its deadline is earlier (it waited for an exchange check).
    queue.add(pending('early-deadline', 1_300, []));
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(['late-deadline', 'early-deadline']);
  });

  it('hands out waiting publishes in order, skipping settled ones, and takes one back at the front', () => {
    const queue = new PendingPublishes<string>(() => undefined);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => pending(n, 2_000, []));
    for (const p of [a!, b!, c!]) {
      queue.add(p);
      queue.wait(p);
    }
    queue.settle(b!);
    expect(queue.nextWaiting()?.request).toBe('a');
    queue.unshiftWaiting(a!);
    expect(queue.nextWaiting()?.request).toBe('a');
    expect(queue.nextWaiting()?.request).toBe('c');
    expect(queue.hasWaiting).toBe(false);
    expect(queue.nextWaiting()).toBeUndefined();
    queue.unshiftWaiting(c!);
    expect(queue.nextWaiting()?.request).toBe('c');
  });

  it('never expires a publish settled in time, and arms a fresh timer for the next one', () => {
    const expired: string[] = [];
    const queue = new PendingPublishes<string>((p) => {
      expired.push(p.request);
      queue.settle(p);
    });
    const a = pending('a', 1_100, []);
    queue.add(a);
    vi.advanceTimersByTime(50);
    queue.settle(a);
    expect(vi.getTimerCount()).toBe(0);
    queue.add(pending('b', 1_250, []));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(199);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['b']);
  });

  it('a publish added with its deadline already past expires on the next millisecond', () => {
    const expired: string[] = [];
    const queue = new PendingPublishes<string>((p) => {
      expired.push(p.request);
      queue.settle(p);
    });
    queue.add(pending('late', 900, []));
    vi.advanceTimersByTime(0);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['late']);
  });

  it('keeps the backlog count: size counts every unsettled publish, written or waiting', () => {
    const queue = new PendingPublishes<string>(() => undefined);
    const [a, b] = [pending('a', 2_000, []), pending('b', 2_000, [])];
    queue.add(a);
    queue.add(b);
    queue.wait(b);
    expect(queue.size).toBe(2);
    expect(queue.hasWaiting).toBe(true);
    queue.settle(a);
    expect(queue.size).toBe(1);
    expect(queue.nextWaiting()).toBe(b);
    expect(queue.hasWaiting).toBe(false);
    expect(queue.size).toBe(1);
  });

  it('dispose drops the timer', () => {
    const queue = new PendingPublishes<string>(() => undefined);
    queue.add(pending('a', 1_100, []));
    queue.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('PendingPublishes waiting through an outage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops settled publishes from the waiting queue, keeping it under 2 × pending + 32', () => {
    const queue = new PendingPublishes<string>(() => undefined);
    const live: PendingPublish<string>[] = [];
    for (let i = 0; i < 10_000; i++) {
      // A cap of 100 pending: the oldest times out while the channel stays down, making room.
      if (live.length === 100) queue.settle(live.shift()!);
      const p = pending(`p${i}`, 60_000, []);
      queue.add(p);
      queue.wait(p);
      live.push(p);
      expect([...queue.retained()].length).toBeLessThanOrEqual(2 * 100 + 32);
    }
    const waiting: string[] = [];
    for (let p = queue.nextWaiting(); p; p = queue.nextWaiting()) waiting.push(p.request);
    expect(waiting).toEqual(live.map((p) => p.request));
    queue.dispose();
  });

  it('whenEmpty resolves at once with nothing pending, else when the last publish settles', async () => {
    const queue = new PendingPublishes<string>(() => undefined);
    await queue.whenEmpty();
    const a = pending('a', 60_000, []);
    const b = pending('b', 60_000, []);
    queue.add(a);
    queue.add(b);
    let emptied = 0;
    const first = queue.whenEmpty().then(() => emptied++);
    const second = queue.whenEmpty().then(() => emptied++);
    queue.settle(a);
    await Promise.resolve();
    expect(emptied).toBe(0);
    queue.settle(b);
    await Promise.all([first, second]);
    expect(emptied).toBe(2);
    queue.dispose();
  });
});
