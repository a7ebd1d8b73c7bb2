import { Injectable } from '@nestjs/common';
import { deadLetterQueueName, Task } from 'celeriac';
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

@Injectable()
class DashTasks {
  @Task({ name: 'dash.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }
}

interface Session {
  csrfToken: string;
  actions: boolean;
  guarded: boolean;
}

/** Who gets in, and which requests may change something: guards, localhost, read-only, CSRF. */
describe('the dashboard access rules on the real broker', () => {
  const queue = uniqueName('dash-access');
  const node = `dash-${queue}@test`;
  const admin = { [TEST_USER_HEADER]: 'admin' };
  let worker: TestWorker;
  let api: DashboardApp;
  let probe: BrokerProbe;
  let token: string;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], nodeName: node } },
      [DashTasks],
    );
    api = await startDashboardApp({ defaultQueue: queue }, [
      { path: 'tasks', guards: [TestAdminGuard] },
      { path: 'open' },
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

  it("the app's guard applies to every route, the page and the API alike", async () => {
    for (const path of ['/tasks', '/tasks/api/session', '/tasks/api/overview']) {
      expect((await http(`${api.origin}${path}`)).status).toBe(403);
    }
    expect((await post('/tasks/api/rate-limit', {}, { [TEST_USER_HEADER]: 'guest' })).status).toBe(
      403,
    );
  });

  it('refuses an action without the CSRF token, with a wrong one, or from another origin', async () => {
    const id = 'no-such-task';
    expect((await post(`/tasks/api/tasks/${id}/revoke`, {})).status).toBe(403);
    expect(
      (await post(`/tasks/api/tasks/${id}/revoke`, {}, { [CSRF_HEADER]: 'x'.repeat(43) })).status,
    ).toBe(403);
    const crossOrigin = await post(
      `/tasks/api/tasks/${id}/revoke`,
      {},
      { [CSRF_HEADER]: token, origin: 'https://evil.example' },
    );
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json<{ message: string }>().message).toMatch(/cross-origin/);
    const ok = await post(
      `/tasks/api/tasks/${id}/revoke`,
      { terminate: false },
      { [CSRF_HEADER]: token, origin: api.origin },
    );
    expect(ok.status).toBe(200);
    expect(
      (await post(`/tasks/api/tasks/${id}/revoke`, { terminate: 'yes' }, { [CSRF_HEADER]: token }))
        .status,
    ).toBe(400);
  });

  describe('without a guard', () => {
    it('answers on this machine, read-only', async () => {
      const session = (await http(`${api.origin}/open/api/session`)).json<Session>();
      expect(session).toMatchObject({ actions: false, guarded: false });
      const refused = await http(`${api.origin}/open/api/tasks/x/revoke`, {
        method: 'POST',
        body: {},
        headers: { [CSRF_HEADER]: session.csrfToken },
      });
      expect(refused.status).toBe(403);
      expect(refused.json<{ message: string }>().message).toMatch(/read-only/);
    });

    it('refuses a request forwarded by a proxy or addressed to another host name', async () => {
      const forwarded = await http(`${api.origin}/open/api/session`, {
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      expect(forwarded.status).toBe(403);
      expect(forwarded.json<{ message: string }>().message).toMatch(/only on this machine/);
      const rebound = await http(`${api.origin}/open`, {
        headers: { host: 'dashboard.example:80' },
      });
      expect(rebound.status).toBe(403);
    });
  });

  it("with trustGlobalGuards, the app's global guard is what lets users in and unlocks the actions", async () => {
    const guardedApp = await startDashboardApp(
      { defaultQueue: queue },
      [{ path: 'ops', trustGlobalGuards: true }],
      [new TestAdminGuard()],
    );
    try {
      expect((await http(`${guardedApp.origin}/ops/api/session`)).status).toBe(403);
      const session = (
        await http(`${guardedApp.origin}/ops/api/session`, { headers: admin })
      ).json<Session>();
      expect(session).toMatchObject({ actions: true, guarded: true });
      const answer = await http(`${guardedApp.origin}/ops/api/rate-limit`, {
        method: 'POST',
        body: { task: 'dash.add', rateLimit: '0' },
        headers: { ...admin, [CSRF_HEADER]: session.csrfToken },
      });
      expect(answer.json<{ replies: Record<string, unknown> }>().replies[node]).toEqual({
        ok: 'rate limit disabled successfully',
      });
    } finally {
      await guardedApp.close();
    }
  });

  it('readOnly refuses actions even to a guarded user', async () => {
    const session = (
      await http(`${api.origin}/view/api/session`, { headers: admin })
    ).json<Session>();
    expect(session).toMatchObject({ actions: false, guarded: true });
    const refused = await http(`${api.origin}/view/api/dead-letters/${queue}/purge`, {
      method: 'POST',
      body: {},
      headers: { ...admin, [CSRF_HEADER]: session.csrfToken },
    });
    expect(refused.status).toBe(403);
  });
});
