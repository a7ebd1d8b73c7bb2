import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSRF_HEADER } from 'celeriac/dashboard';
import { RABBITMQ_URL } from '../support/broker.js';
import { http } from '../support/dashboard.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'packages/celeriac/bin/celeriac.js');

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Starts `celeriac dashboard --port 0 ...` and waits for the line that names its URL. */
async function serve(args: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, RABBITMQ_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await vi.waitFor(
    () => {
      const found = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      if (!found) throw new Error(`no URL printed yet: ${output}`);
      return found;
    },
    { timeout: 20_000, interval: 100 },
  );
  return { child, url, output: () => output };
}

async function stop(served: Served): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  return exited;
}

describe('celeriac dashboard (standalone)', () => {
  it('serves the page and the API on 127.0.0.1, read-only, and stops cleanly on SIGTERM', async () => {
    const served = await serve([]);
    try {
      expect(served.output()).toMatch(/read-only/);
      expect(served.output()).not.toMatch(/guest:guest/);
      const page = await http(served.url);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>Celeriac tasks</title>');
      const session = (await http(`${served.url}api/session`)).json<{
        actions: boolean;
        csrfToken: string;
      }>();
      expect(session.actions).toBe(false);
      const refused = await http(`${served.url}api/rate-limit`, {
        method: 'POST',
        body: { task: 'x', rateLimit: '1/s' },
        headers: { [CSRF_HEADER]: session.csrfToken },
      });
      expect(refused.status).toBe(403);
      const overview = await http(`${served.url}api/overview`);
      expect(overview.status).toBe(200);
      expect(overview.json<{ broker: string }>().broker).not.toMatch(/guest:guest/);
    } finally {
      expect(await stop(served)).toBe(0);
    }
  });

  it('with --allow-actions, accepts actions from this machine, with the CSRF token', async () => {
    const served = await serve(['--allow-actions']);
    try {
      const session = (await http(`${served.url}api/session`)).json<{
        actions: boolean;
        csrfToken: string;
      }>();
      expect(session.actions).toBe(true);
      const body = { task: 'dash.cli.nothing', rateLimit: '1/s' };
      const noToken = await http(`${served.url}api/rate-limit`, { method: 'POST', body });
      expect(noToken.status).toBe(403);
      const forwarded = await http(`${served.url}api/session`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(forwarded.status).toBe(403);
      const ok = await http(`${served.url}api/rate-limit`, {
        method: 'POST',
        body,
        headers: { [CSRF_HEADER]: session.csrfToken },
      });
      expect(ok.status).toBe(200);
    } finally {
      expect(await stop(served)).toBe(0);
    }
  });

  it('says what to do when the broker cannot be reached', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'dashboard', '--broker', 'amqp://guest:secret@127.0.0.1:1'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/celeriac dashboard: cannot reach the broker at amqp:\/\/guest:\*\*\*@/);
  });
});
