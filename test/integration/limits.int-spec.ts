import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import {
  InvalidTaskOptionsError,
  SoftTimeLimitExceeded,
  Task,
  TaskFailedError,
  type TaskContext,
  deadLetterQueueName,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

@Injectable()
class LimitedTasks {
  readonly starts: { task: string; at: number }[] = [];
  readonly softAborts: string[] = [];

  /** Stops cleanly when its soft limit fires. */
  @Task({ name: 'limits.polite', softTimeLimit: 0.2 })
  async polite(ctx: TaskContext): Promise<string> {
    await sleep(5_000, undefined, { signal: ctx.signal }).catch(() => {
      if (ctx.signal.reason instanceof SoftTimeLimitExceeded) this.softAborts.push(ctx.id);
      throw ctx.signal.reason as Error;
    });
    return 'finished';
  }

  /** Ignores every signal: only the hard limit ends it. */
  @Task({ name: 'limits.stubborn', timeLimit: 0.3 })
  async stubborn(): Promise<string> {
    await sleep(2_000);
    return 'too late';
  }

  @Task('limits.quick')
  quick(ctx: TaskContext): string {
    this.starts.push({ task: ctx.name, at: Date.now() });
    return 'quick';
  }

  @Task({ name: 'limits.throttled', rateLimit: '5/s' })
  throttled(ctx: TaskContext): number {
    this.starts.push({ task: ctx.name, at: Date.now() });
    return Date.now();
  }

  /** No limits of its own: the caller's timeLimit (the timelimit header) applies. */
  @Task('limits.sleeper')
  async sleeper(ms: number): Promise<number> {
    await sleep(ms);
    return ms;
  }
}

describe('time limits and rate limits on the real broker', () => {
  const queue = uniqueName('limits');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let tasks: LimitedTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], concurrency: 1, prefetch: 20 } },
      [LimitedTasks],
    );
    tasks = worker.app.get(LimitedTasks);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  afterEach(async () => {
    // Failed tasks are dead-lettered; empty the DLQ so each test counts its own.
    while (await probe.get(deadLetterQueueName(queue))) {
      /* drain */
    }
  });

  it('soft limit: the signal aborts with SoftTimeLimitExceeded and the task fails with it', async () => {
    const result = await worker.client.send('limits.polite');
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.excType).toBe('SoftTimeLimitExceeded');
    expect(error.excModule).toBe('billiard.exceptions');
    expect(tasks.softAborts).toEqual([result.id]);
  });

  it('hard limit: a task that ignores its signal fails with TimeLimitExceeded and frees its slot', async () => {
    const stubborn = await worker.client.send('limits.stubborn');
    const next = await worker.client.send('limits.quick'); // concurrency 1: waits for the stubborn one's slot
    const startedAt = Date.now();
    const error = (await stubborn
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('TimeLimitExceeded');
    expect(error.excMessage).toEqual([0.3]);
    await expect(next.get({ timeoutMs: 5_000 })).resolves.toBe('quick');
    // The quick task ran long before the stubborn handler's 2 s sleep ended.
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(worker.logger.lines('warn', /passed its hard time limit/)).toHaveLength(1);
  });

  it("honours the caller's timeLimit (Celery's timelimit header)", async () => {
    const result = await worker.client.send('limits.sleeper', [1_000], {}, { timeLimit: 0.2 });
    await expect(result.get({ timeoutMs: 5_000 })).rejects.toMatchObject({
      excType: 'TimeLimitExceeded',
    });
    const ok = await worker.client.send('limits.sleeper', [10], {}, { timeLimit: 1 });
    await expect(ok.get({ timeoutMs: 5_000 })).resolves.toBe(10);
  });

  it("rate limit '5/s': 5 starts take 800 ms, and other tasks keep flowing", async () => {
    tasks.starts.length = 0;
    const throttled = await Promise.all(
      Array.from({ length: 5 }, () => worker.client.send('limits.throttled')),
    );
    const quick = await worker.client.send('limits.quick');
    await expect(quick.get({ timeoutMs: 5_000 })).resolves.toBe('quick');
    const done = await Promise.all(throttled.map((r) => r.get({ timeoutMs: 5_000 })));
    const starts = tasks.starts.filter((s) => s.task === 'limits.throttled').map((s) => s.at);
    expect(done).toHaveLength(5);
    // Evenly spaced on average: 4 intervals of 200 ms. (One timer firing late under load can shorten
    // the next gap: the bucket keeps the rate, not each gap.)
    expect((starts[starts.length - 1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(
      4 * 200 - 10,
    );
    // The unthrottled task did not wait behind the throttled ones.
    const quickAt = tasks.starts.find((s) => s.task === 'limits.quick')?.at ?? Infinity;
    expect(quickAt).toBeLessThan(starts[starts.length - 1] ?? 0);
  });
});

describe('a hard time limit the broker would pre-empt', () => {
  @Injectable()
  class LongTasks {
    @Task({ name: 'limits.overnight', timeLimit: 7_200 })
    overnight(): void {}
  }

  it('is refused at boot, naming the task and the broker setting', async () => {
    const queue = uniqueName('limits-boot');
    const error: unknown = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [
      LongTasks,
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as Error).message).toMatch(/LongTasks\.overnight.*consumer_timeout/);
  });
});
