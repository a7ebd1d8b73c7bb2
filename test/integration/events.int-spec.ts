import { Injectable } from '@nestjs/common';
import {
  type CeleryEvent,
  deadLetterQueueName,
  Task,
  TaskEventStream,
  TaskFailedError,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

@Injectable()
class EventTasks {
  @Task({ name: 'ev.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  @Task({ name: 'ev.fail', params: ['why'] })
  fail(why: string): never {
    throw new TypeError(why);
  }
}

/** Collects the events of a stream until stopped. */
function collect(stream: TaskEventStream): { events: CeleryEvent[]; stop: () => void } {
  const events: CeleryEvent[] = [];
  const subscription = stream.observe().subscribe((event) => {
    events.push(event);
  });
  return {
    events,
    stop: () => {
      subscription.unsubscribe();
    },
  };
}

describe('worker events on celeryev, read back with TaskEventStream', () => {
  const queue = uniqueName('events');
  const node = `ev-${queue}@test`;
  let worker: TestWorker;
  let workerClosed = false;
  // A process of its own watches, so it still hears the worker's worker-offline.
  let watcher: TestClient;
  let probe: BrokerProbe;
  let seen: ReturnType<typeof collect>;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        events: { taskEvents: true },
        worker: { queues: [queue], nodeName: node },
      },
      [EventTasks],
    );
    watcher = await startClient({ defaultQueue: queue });
    seen = collect(watcher.app.get(TaskEventStream));
    // Subscribed once the worker's first heartbeat (every 2 s) came through.
    await vi.waitFor(
      () => {
        if (!seen.events.some((e) => e.hostname === node))
          throw new Error('no event from the worker yet');
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  afterAll(async () => {
    seen.stop();
    if (!workerClosed) await worker.close();
    await watcher.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  const of = (id: string): CeleryEvent[] => seen.events.filter((e) => e.uuid === id);

  it('heartbeats every 2 s with the Celery fields', () => {
    const beat = seen.events.find((e) => e.hostname === node && e.type.startsWith('worker-'));
    expect(beat).toMatchObject({
      freq: 2,
      sw_ident: 'celeriac',
      sw_sys: expect.any(String) as unknown,
    });
    expect(beat?.['loadavg']).toHaveLength(3);
  });

  it('a task that succeeds: received, started, succeeded with its repr result and runtime', async () => {
    const result = await worker.client.send('ev.add', [2, 3]);
    await result.get({ timeoutMs: 10_000 });
    await expect
      .poll(() => of(result.id).map((e) => e.type), { timeout: 5_000 })
      .toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(of(result.id)[0]).toMatchObject({ name: 'ev.add', args: '(2, 3)', kwargs: '{}' });
    expect(of(result.id)[2]).toMatchObject({ result: '5', runtime: expect.any(Number) as unknown });
  });

  it('a task that throws: task-failed with the exception repr and the stack', async () => {
    const result = await worker.client.send('ev.fail', ['boom']);
    await expect(result.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskFailedError);
    await expect
      .poll(() => of(result.id).find((e) => e.type === 'task-failed'), { timeout: 5_000 })
      .toMatchObject({
        exception: "TypeError('boom')",
        traceback: expect.stringContaining('boom') as unknown,
      });
  });

  it('an expired task: task-revoked with expired', async () => {
    const result = await worker.client.send(
      'ev.add',
      [1, 1],
      {},
      { expires: new Date(Date.now() - 1_000) },
    );
    await expect(result.get({ timeoutMs: 10_000 })).rejects.toThrow();
    await expect
      .poll(() => of(result.id).find((e) => e.type === 'task-revoked'), { timeout: 5_000 })
      .toMatchObject({ expired: true, terminated: false, signum: null });
  });

  it('a task nobody registered: task-failed with NotRegistered', async () => {
    const result = await worker.client.send('ev.nobody', []);
    await expect(result.get({ timeoutMs: 10_000 })).rejects.toThrow();
    await expect
      .poll(() => of(result.id).find((e) => e.type === 'task-failed'), { timeout: 5_000 })
      .toMatchObject({ exception: "NotRegistered('ev.nobody')" });
  });

  it('with task events switched off, a task sends none; the worker says worker-offline when it stops', async () => {
    worker.server.setTaskEvents(false);
    const result = await worker.client.send('ev.add', [3, 4]);
    await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe(7);
    // The next heartbeat comes after the task's events would have: none of them came.
    const beats = seen.events.filter((e) => e.type === 'worker-heartbeat').length;
    await expect
      .poll(() => seen.events.filter((e) => e.type === 'worker-heartbeat').length, {
        timeout: 5_000,
      })
      .toBeGreaterThan(beats);
    expect(of(result.id)).toEqual([]);
    workerClosed = true;
    await worker.close();
    await expect
      .poll(() => seen.events.find((e) => e.hostname === node && e.type === 'worker-offline'), {
        timeout: 5_000,
      })
      .toBeDefined();
  });
});
