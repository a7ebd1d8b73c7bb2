import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { z } from 'zod';
import { TaskClient } from '../client/task-client.js';
import { signature } from '../canvas/task-signature.js';
import { Task } from '../decorators/task.decorator.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import { TaskFailedError } from '../errors/task-failed.error.js';
import type { TaskContext } from '../task/task-context.js';
import { defineTask } from '../task/task-ref.js';
import { TaskQueueTester, TaskQueueTestingModule } from './index.js';

class Transient extends Error {
  override readonly name = 'Transient';
}

const add = defineTask<[x: number, y: number], number>('math.add', { params: ['x', 'y'] });
const charge = defineTask<[order: string], string>('billing.charge');
const resize = defineTask('images.resize', { args: z.tuple([z.number().int().positive()]) });

@Injectable()
class AppTasks {
  readonly attempts: number[] = [];

  @Task(add)
  add(x: number, y: number): number {
    return x + y;
  }

  @Task(charge, { autoretryFor: [Transient], retryBackoff: 2, retryJitter: false, maxRetries: 3 })
  charge(order: string, ctx: TaskContext): string {
    this.attempts.push(ctx.retries);
    if (ctx.retries < 2) throw new Transient('gateway down');
    return `charged ${order}`;
  }

  @Task(resize)
  resize(width: number): number {
    return width;
  }

  started = false;

  /** Runs until its signal aborts. */
  @Task('jobs.wait')
  wait(ctx: TaskContext): Promise<never> {
    this.started = true;
    return new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => {
        reject(ctx.signal.reason as Error);
      });
    });
  }
}

async function boot(mode: 'run' | 'record' = 'run'): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [TaskQueueTestingModule.forRoot({ mode })],
    providers: [AppTasks],
  }).compile();
  return moduleRef.init();
}

describe('TaskQueueTestingModule, running the app handlers in memory', () => {
  let moduleRef: TestingModule;
  let client: TaskClient;
  let tester: TaskQueueTester;

  beforeEach(async () => {
    moduleRef = await boot();
    client = moduleRef.get(TaskClient);
    tester = moduleRef.get(TaskQueueTester);
  });

  afterEach(async () => {
    vi.useRealTimers();
    await moduleRef.close();
  });

  it('queues a send, runs it on runAll(), and the handle gets SUCCESS', async () => {
    const result = await client.send(add, [2, 3]);
    expect(tester.sent({ task: add })).toMatchObject([{ task: 'math.add', args: [2, 3] }]);
    expect(result.state).toBe('PENDING');
    const runs = await tester.runAll();
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded']);
    await expect(result.get()).resolves.toBe(5);
    expect(result.state).toBe('SUCCESS');
    expect(tester.sent()).toEqual([]);
  });

  it('encodes with the real codec: a BigInt argument fails the send, as in production', async () => {
    await expect(client.send('math.add', [1n, 2])).rejects.toThrow(MessageEncodeError);
  });

  it('retries with the backoff of @Task(), on fake time', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z') });
    const result = await client.send(charge, ['order-1']);
    expect((await tester.runNext())?.outcome).toBe('retried');
    expect(result.state).toBe('RETRY');
    const [retry] = tester.sent({ task: charge });
    expect(retry?.retries).toBe(1);
    expect(retry?.eta?.toISOString()).toBe('2026-12-04T10:00:02.000Z');
    expect(await tester.runDue()).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect((await tester.runDue()).map((r) => r.outcome)).toEqual(['retried']);
    expect(tester.sent({ task: charge })[0]?.eta?.toISOString()).toBe('2026-12-04T10:00:06.000Z');
    vi.advanceTimersByTime(4_000);
    await tester.runAll();
    await expect(result.get()).resolves.toBe('charged order-1');
    expect(moduleRef.get(AppTasks).attempts).toEqual([0, 1, 2]);
  });

  it('keeps a countdown task until its time comes', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z') });
    const result = await client.send(add, [1, 1], {}, { countdown: 10 });
    expect(await tester.runAll()).toEqual([]);
    vi.advanceTimersByTime(9_999);
    expect(await tester.runDue()).toEqual([]);
    vi.advanceTimersByTime(1);
    await tester.runDue();
    await expect(result.get()).resolves.toBe(2);
  });

  it('advance() moves time for the library too, without fake timers', async () => {
    const result = await client.send(add, [2, 2], {}, { countdown: 60 });
    tester.advance(59_000);
    expect(await tester.runDue()).toEqual([]);
    tester.advance(1_000);
    expect((await tester.runDue()).map((r) => r.outcome)).toEqual(['succeeded']);
    await expect(result.get()).resolves.toBe(4);
    expect(() => {
      tester.advance(-1);
    }).toThrow(RangeError);
  });

  it('gives Date.now() back when the module closes', async () => {
    const before = Date.now();
    tester.advance(3_600_000);
    expect(Date.now() - before).toBeGreaterThanOrEqual(3_600_000);
    await moduleRef.close();
    expect(Date.now() - before).toBeLessThan(3_600_000);
  });

  it('runs a chain: each step publishes the next, with the previous result first', async () => {
    const last = await client.chain<number>([signature(add, [1, 1]), signature(add, [10])]);
    const runs = await tester.runAll();
    expect(runs.map((r) => r.task.args)).toEqual([
      [1, 1],
      [2, 10],
    ]);
    await expect(last.get()).resolves.toBe(12);
  });

  it('failNext() fails a run as a thrown error would: FAILURE, dead-lettered', async () => {
    tester.failNext(new Error('card declined'), add);
    const result = await client.send(add, [1, 2]);
    expect((await tester.runNext())?.outcome).toBe('failed');
    const error = await result.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).message).toBe(
      `Task ${result.id} failed: Error: card declined`,
    );
    expect(tester.deadLetters().map((t) => t.id)).toEqual([result.id]);
  });

  it('revoke() keeps a task from starting: REVOKED, dead-lettered', async () => {
    const result = await client.send(add, [1, 2]);
    await client.revoke(result.id);
    expect((await tester.runNext())?.outcome).toBe('revoked');
    await expect(result.get()).rejects.toMatchObject({ name: 'TaskRevokedError' });
    expect(result.state).toBe('REVOKED');
    expect(tester.deadLetters().map((t) => t.id)).toEqual([result.id]);
  });

  it('revoke() with terminate aborts a running handler: REVOKED', async () => {
    const result = await client.send('jobs.wait');
    const running = tester.runNext();
    await expect.poll(() => moduleRef.get(AppTasks).started).toBe(true);
    await client.revoke(result.id, { terminate: true });
    expect((await running)?.outcome).toBe('revoked');
    await expect(result.get()).rejects.toMatchObject({ reason: 'terminated' });
  });

  it("checks a reference's schema on the worker side too", async () => {
    const result = await client.send('images.resize', [-5]);
    await tester.runAll();
    const error = (await result.get().catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ValidationError');
  });
});

describe("TaskQueueTestingModule in 'record' mode", () => {
  it('keeps what a producer sent and runs nothing', async () => {
    const moduleRef = await boot('record');
    const client = moduleRef.get(TaskClient);
    const tester = moduleRef.get(TaskQueueTester);
    await client.send(add, [1, 2], {}, { ignoreResult: true });
    await client.delay('billing.charge', 'order-9');
    expect(tester.sent().map((t) => [t.task, t.args])).toEqual([
      ['math.add', [1, 2]],
      ['billing.charge', ['order-9']],
    ]);
    await expect(tester.runNext()).rejects.toThrow("'record' mode");
    expect(moduleRef.get(AppTasks).attempts).toEqual([]);
    await moduleRef.close();
  });
});
