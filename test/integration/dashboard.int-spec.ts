import { get as httpGet } from 'node:http';
import { Injectable } from '@nestjs/common';
import { deadLetterQueueName, Task, type TaskContext } from 'celeriac';
import { CSRF_HEADER } from 'celeriac/dashboard';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import {
  type DashboardApp,
  http,
  startDashboardApp,
  TEST_USER_HEADER,
  TestAdminGuard,
} from '../support/dashboard.js';

class Flaky extends Error {
  override readonly name = 'Flaky';
}

@Injectable()
class DashTasks {
  @Task({ name: 'dash.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  @Task({ name: 'dash.fail', params: ['why'] })
  fail(why: string): never {
    throw new TypeError(why);
  }

  @Task({ name: 'dash.flaky', autoretryFor: [Flaky], retryBackoff: 0.05, retryJitter: false })
  flaky(ctx: TaskContext): string {
    if (ctx.retries < 2) throw new Flaky(`attempt ${ctx.retries + 1} failed`);
    return 'third time lucky';
  }
}

interface Session {
  csrfToken: string;
  actions: boolean;
  guarded: boolean;
}
interface TaskRow {
  id: string;
  name: string;
  state: string;
  args: string;
  exception: string | null;
  traceback: string | null;
  timeline: { type: string; exception: string | null }[];
}

describe('the dashboard API on the real broker', () => {
  const queue = uniqueName('dash');
  const node = `dash-${queue}@test`;
  const admin = { [TEST_USER_HEADER]: 'admin' };
  let worker: TestWorker;
  let api: DashboardApp;
  let probe: BrokerProbe;
  let token: string;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        events: { taskEvents: true },
        worker: { queues: [queue], nodeName: node },
      },
      [DashTasks],
    );
    api = await startDashboardApp({ defaultQueue: queue }, [
      { path: 'tasks', guards: [TestAdminGuard], refreshMs: 1_000 },
      { path: 'open', refreshMs: 1_000 },
      { path: 'view', guards: [TestAdminGuard], readOnly: true },
    ]);
    token = (await http(`${api.origin}/tasks/api/session`, { headers: admin })).json<Session>()
      .csrfToken;
  });

  afterAll(async () => {
    await api.close();
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    http(`${api.origin}${path}`, { method: 'POST', body, headers: { ...admin, ...headers } });
  const tasksNamed = async (name: string): Promise<TaskRow[]> =>
    (await http(`${api.origin}/tasks/api/tasks?q=${name}`, { headers: admin })).json<TaskRow[]>();

  it('serves the page with a strict Content-Security-Policy', async () => {
    const page = await http(`${api.origin}/tasks`, { headers: admin });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Celeriac tasks</title>');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'.*script-src 'sha256-/,
    );
  });

  it('shows the worker, its pool and queue, and the queue depth', async () => {
    await expect
      .poll(
        async () => {
          const overview = (
            await http(`${api.origin}/tasks/api/overview`, { headers: admin })
          ).json<{
            workers: { hostname: string; online: boolean; queues: string[]; pool: unknown }[];
            queues: { name: string; consumers: number | null; depth: number | null }[];
          }>();
          const me = overview.workers.find((w) => w.hostname === node);
          const mine = overview.queues.find((q) => q.name === queue);
          return {
            online: me?.online,
            queues: me?.queues,
            pool: me?.pool !== null,
            consumers: mine?.consumers,
          };
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual({ online: true, queues: [queue], pool: true, consumers: 1 });
  });

  it('lists a failed task with its exception and traceback, and a retried one with its timeline', async () => {
    const failed = await worker.client.send('dash.fail', ['boom']);
    const flaky = await worker.client.send('dash.flaky', []);
    await expect(flaky.get({ timeoutMs: 15_000 })).resolves.toBe('third time lucky');
    await expect
      .poll(async () => (await tasksNamed('dash.fail')).find((t) => t.id === failed.id)?.state, {
        timeout: 10_000,
      })
      .toBe('FAILURE');
    const row = (await tasksNamed(failed.id))[0]!;
    expect(row).toMatchObject({
      name: 'dash.fail',
      args: "('boom',)",
      exception: "TypeError('boom')",
    });
    expect(row.traceback).toContain('boom');
    await expect
      .poll(async () => (await tasksNamed(flaky.id))[0]?.state, { timeout: 10_000 })
      .toBe('SUCCESS');
    const timeline = (await tasksNamed(flaky.id))[0]!.timeline;
    expect(timeline.filter((e) => e.type === 'task-retried').map((e) => e.exception)).toEqual([
      "Flaky('attempt 1 failed')",
      "Flaky('attempt 2 failed')",
    ]);
    const byState = await http(`${api.origin}/tasks/api/tasks?state=FAILURE`, { headers: admin });
    expect(byState.json<TaskRow[]>().map((t) => t.id)).toContain(failed.id);
    expect(
      (await http(`${api.origin}/tasks/api/tasks?state=NOPE`, { headers: admin })).status,
    ).toBe(400);
  });

  it('hides URL passwords in everything it sends', async () => {
    const sent = await worker.client.send('dash.add', ['amqp://bob:hunter2@db.example', 'x']);
    await sent.get({ timeoutMs: 10_000 });
    await expect
      .poll(async () => (await tasksNamed(sent.id))[0]?.args, { timeout: 10_000 })
      .toBe("('amqp://bob:***@db.example', 'x')");
    const overview = await http(`${api.origin}/tasks/api/overview`, { headers: admin });
    expect(overview.text).not.toContain('guest:guest');
  });

  it('changes a rate limit on the worker', async () => {
    const answer = await post(
      '/tasks/api/rate-limit',
      { task: 'dash.add', rateLimit: '10/s' },
      { [CSRF_HEADER]: token },
    );
    expect(answer.status).toBe(200);
    expect(answer.json<{ replies: Record<string, unknown> }>().replies[node]).toEqual({
      ok: 'new rate limit set successfully',
    });
    const bad = await post(
      '/tasks/api/rate-limit',
      { task: 'dash.add', rateLimit: 'fast' },
      { [CSRF_HEADER]: token },
    );
    expect(bad.status).toBe(400);
  });

  it('lists dead letters with why they died, replays one, then purges', async () => {
    const dead = await worker.client.send('dash.fail', ['to the dead letters']);
    await expect(dead.get({ timeoutMs: 10_000 })).rejects.toThrow();
    const list = async () =>
      (await http(`${api.origin}/tasks/api/dead-letters/${queue}`, { headers: admin })).json<
        { id: string; reason: string; excType: string }[]
      >();
    await expect
      .poll(async () => (await list()).find((l) => l.id === dead.id), { timeout: 10_000 })
      .toMatchObject({
        reason: 'task-failed',
        excType: 'TypeError',
      });
    const before = (await list()).length;
    const replay = await post(
      `/tasks/api/dead-letters/${queue}/replay`,
      { ids: [dead.id] },
      { [CSRF_HEADER]: token },
    );
    expect(replay.json()).toEqual({ replayed: 1 });
    // It fails again on the worker, so it comes back: the replay really ran it.
    await expect
      .poll(
        async () =>
          (await tasksNamed(dead.id))[0]?.timeline.filter((e) => e.type === 'task-failed').length,
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
    await expect.poll(async () => (await list()).length, { timeout: 10_000 }).toBe(before);
    const purge = await post(
      `/tasks/api/dead-letters/${queue}/purge`,
      {},
      { [CSRF_HEADER]: token },
    );
    expect(purge.json<{ purged: number }>().purged).toBeGreaterThanOrEqual(1);
    expect(await probe.depth(deadLetterQueueName(queue))).toBe(0);
    const missing = await http(`${api.origin}/tasks/api/dead-letters/${uniqueName('none')}`, {
      headers: admin,
    });
    expect(missing.status).toBe(404);
  });

  it('streams a snapshot, then updates, as Server-Sent Events', async () => {
    let contentType: string | undefined;
    let sentId = '';
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpGet(`${api.origin}/tasks/api/stream`, { headers: admin }, (res) => {
        contentType = res.headers['content-type'];
        let seen = '';
        res.on('data', (chunk: Buffer) => {
          seen += chunk.toString('utf8');
          // Once the snapshot came, a task's events must follow on the same stream.
          if (sentId === '' && seen.includes('event: snapshot')) {
            sentId = 'sending';
            worker.client.send('dash.add', [20, 22]).then((sent) => (sentId = sent.id), reject);
          }
          if (sentId.length > 10 && seen.includes(sentId)) {
            req.destroy();
            resolve(seen);
          }
        });
      });
      req.on('error', reject);
      req.setTimeout(15_000, () => req.destroy(new Error('no task update on the stream in 15 s')));
    });
    expect(contentType).toMatch(/text\/event-stream/);
    expect(text).toMatch(/^event: snapshot\n/m);
    expect(text).toMatch(/^event: tasks\n/m);
  });
});
