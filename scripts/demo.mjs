#!/usr/bin/env node
// The Celeriac demo (`npm run demo`): builds both apps, starts the worker (with task events, -E) and the
// API from the built files, records three reads of one article through the API, waits until the worker
// has counted them and the dashboard (http://127.0.0.1:3000/tasks) shows them, then stops both with SIGTERM (warm shutdown) and reports how they exited.
//
//   node scripts/demo.mjs [--no-build] [--keep]
//
//   --no-build  use the existing dist/ (run `npm run build` first)
//   --keep      after the demo, leave both apps running in the foreground until Ctrl-C
//
// Environment: RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672), PORT (default 3000).
// Broker entities the demo had to create (the `celery` queue, its dead-letter queue and exchange) are
// deleted again at the end; ones that already existed are left alone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  worker: join(root, 'dist/apps/worker/apps/worker/src/main.js'),
  api: join(root, 'dist/apps/api/apps/api/src/main.js'),
};
const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const port = Number(process.env.PORT ?? 3000);
const base = `http://127.0.0.1:${port}`;
const slug = 'hello-celeriac';
const reads = 3;
const demoQueue = 'celery';

const { values: flags } = parseArgs({
  options: { 'no-build': { type: 'boolean' }, keep: { type: 'boolean' } },
});

const children = new Map(); // name -> { child, exited: Promise<{code, signal}> }
let createdEntities = null;
let stopping = null;
let keepResolve = null; // set while --keep waits for Ctrl-C

process.on('exit', () => {
  // Last resort (an uncaught error): never leave an app behind.
  for (const { child } of children.values())
    if (child.exitCode === null) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (flags.keep && keepResolve) return keepResolve(signal);
    log(`interrupted by ${signal}`);
    void shutdown(1);
  });
}

try {
  await main();
} catch (err) {
  log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}

async function main() {
  const started = Date.now();
  log(`broker ${redact(rabbitUrl)}, API port ${port}`);
  createdEntities = await inspectBroker();

  if (!flags['no-build']) {
    log('building api and worker (npm run build)…');
    const code = await runToEnd('build', 'npm', ['run', '--silent', 'build']);
    if (code !== 0) throw new Error(`build failed (exit ${code})`);
  }
  for (const [name, file] of Object.entries(entries)) {
    if (!existsSync(file)) {
      throw new Error(
        `${relative(root, file)} is missing: build first (npm run build) or drop --no-build`,
      );
    }
  }
  await assertPortFree(port);

  // -E: task events on, so the dashboard at /tasks lists the demo's tasks.
  startApp('worker', entries.worker, { CELERY_QUEUES: demoQueue }, ['-E']);
  await waitForLine('worker', /\bWorker\b.*\bconsuming\b/, 30_000);
  log('worker is consuming');

  startApp('api', entries.api, { PORT: String(port) });
  await waitForHttp('api', `${base}/`, 30_000);
  log(`API answers on ${base}`);

  for (let i = 1; i <= reads; i++) {
    const res = await fetch(`${base}/articles/${slug}/reads`, { method: 'POST' });
    const body = await res.json().catch(() => null);
    if (res.status !== 202 || typeof body?.taskId !== 'string') {
      throw new Error(
        `POST /articles/${slug}/reads answered ${res.status} ${JSON.stringify(body)}`,
      );
    }
    log(`POST /articles/${slug}/reads #${i} -> ${res.status}, taskId ${body.taskId}`);
  }

  const final = await pollReads(10_000);
  log(`GET /articles/${slug}/reads -> ${JSON.stringify(final)}`);
  if (final.reads !== reads) {
    throw new Error(
      `expected ${reads} reads, got ${final.reads}` +
        (final.reads > reads ? ` (stale messages in queue "${demoQueue}"?)` : ''),
    );
  }
  const dashboard = await pollDashboard(10_000);
  log(
    `dashboard ${base}/tasks shows ${dashboard.workers} worker(s) online and ` +
      `${dashboard.tasks} task(s) of ${dashboard.names.join(', ')}`,
  );
  log(`demo passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  if (flags.keep) {
    log(`--keep: worker and API keep running (${base}); press Ctrl-C to stop them`);
    const signal = await Promise.race([
      new Promise((resolve) => (keepResolve = resolve)),
      ...[...children.entries()].map(([name, { exited }]) => exited.then(() => `${name} exit`)),
    ]);
    log(`stopping (${signal})`);
  }
  await shutdown(0);
}

/** Spawns `node <file>` in its own process group, so only our SIGTERM reaches it (not the terminal's ^C). */
function startApp(name, file, env, args = []) {
  const childEnv = { ...process.env, RABBITMQ_URL: rabbitUrl, ...env };
  if (!process.stdout.isTTY) childEnv.NO_COLOR = '1';
  log(`starting ${name}: node ${relative(root, file)}`);
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return track(name, child);
}

/** Runs a command to completion with prefixed output; resolves its exit code. */
async function runToEnd(name, command, args) {
  const child = spawn(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const { exited } = track(name, child);
  const { code } = await exited;
  children.delete(name);
  return code ?? 1;
}

function track(name, child) {
  const listeners = new Set();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      console.log(`[${name}] ${line}`);
      for (const listener of listeners) listener(stripAnsi(line));
    });
  }
  const exited = new Promise((resolve) => {
    child.on('error', (err) => {
      console.log(`[${name}] cannot start: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const entry = { child, exited, listeners };
  children.set(name, entry);
  return entry;
}

function waitForLine(name, pattern, timeoutMs) {
  const { listeners, exited } = children.get(name);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`${name} did not log ${pattern} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const listener = (line) => pattern.test(line) && done();
    const done = (err) => {
      clearTimeout(timer);
      listeners.delete(listener);
      if (err) reject(err);
      else resolve();
    };
    listeners.add(listener);
    void exited.then(({ code, signal }) =>
      done(new Error(`${name} exited (${describeExit(code, signal)}) before it was ready`)),
    );
  });
}

/** Polls until the server answers any HTTP status (a 404 on / is fine) while the app is still alive. */
async function waitForHttp(name, url, timeoutMs) {
  const { child } = children.get(name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${describeExit(child.exitCode, child.signalCode)}) before it answered`,
      );
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${name} did not answer on ${url} within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }
}

async function pollReads(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/articles/${slug}/reads`, {
      signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())),
    }).catch((err) => ({ status: 0, error: err }));
    if (res.status === 200) {
      last = await res.json();
      if (last.reads >= reads) return last;
    } else {
      log(`GET /articles/${slug}/reads -> ${res.status || res.error?.message}`);
    }
    await sleep(250);
  }
  if (last) return last;
  throw new Error(`no answer from GET /articles/${slug}/reads within ${timeoutMs / 1000} s`);
}

/** Polls the dashboard's API until it shows the worker online and the demo's tasks. */
async function pollDashboard(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let seen = null;
  while (Date.now() < deadline) {
    try {
      const overview = await (await fetch(`${base}/tasks/api/overview`)).json();
      const tasks = await (await fetch(`${base}/tasks/api/tasks`)).json();
      seen = {
        workers: overview.workers.filter((w) => w.online).length,
        tasks: tasks.length,
        names: [...new Set(tasks.map((t) => t.name))],
      };
      if (seen.workers > 0 && tasks.length >= reads) return seen;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(
    `the dashboard at ${base}/tasks did not show the worker and tasks: ${JSON.stringify(seen)}`,
  );
}

/** Stops the API, then the worker, with SIGTERM; prints how each exited; removes what the demo declared. */
function shutdown(exitCode) {
  stopping ??= (async () => {
    let clean = true;
    for (const name of ['api', 'worker', 'build']) {
      const entry = children.get(name);
      if (!entry) continue;
      const { child, exited } = entry;
      if (child.exitCode === null && child.signalCode === null) {
        log(`stopping ${name} (SIGTERM)…`);
        killGroup(child, 'SIGTERM');
      }
      const timeout = sleep(20_000).then(() => null);
      let result = await Promise.race([exited, timeout]);
      if (result === null) {
        log(`${name} did not exit within 20 s: SIGKILL`);
        killGroup(child, 'SIGKILL');
        result = await exited;
        clean = false;
      }
      // Nest's enableShutdownHooks re-raises the signal after a graceful close, so SIGTERM is clean too.
      const ok = result.code === 0 || result.signal === 'SIGTERM';
      if (!ok) clean = false;
      log(`${name} exited: ${describeExit(result.code, result.signal)}`);
    }
    await removeCreatedEntities();
    const code = exitCode === 0 && clean ? 0 : 1;
    log(code === 0 ? 'done' : 'demo FAILED');
    process.exit(code);
  })();
  return stopping;
}

/**
 * Checks the broker is reachable (exits 1 with how to start it if not) and notes which of the demo's
 * broker entities do not exist yet, so that only those are removed afterwards.
 */
async function inspectBroker() {
  const amqplib = (await import('amqplib')).default;
  let connection;
  try {
    connection = await amqplib.connect(rabbitUrl, { timeout: 5000 });
  } catch (err) {
    log(`RabbitMQ is not reachable at ${redact(rabbitUrl)}: ${brokerError(err)}`);
    log(
      `Start it with 'rabbitmq-server -detached && rabbitmqctl await_startup', or set RABBITMQ_URL.`,
    );
    process.exit(1);
  }
  const created = { queues: [], exchanges: [] };
  try {
    for (const queue of [demoQueue, `${demoQueue}.dead`]) {
      const info = await probe(connection, (ch) => ch.checkQueue(queue));
      if (!info) created.queues.push(queue);
      else if (queue === demoQueue && (info.messageCount > 0 || info.consumerCount > 0)) {
        log(
          `note: queue "${queue}" already has ${info.messageCount} message(s) and ` +
            `${info.consumerCount} consumer(s); other workers or stale tasks can skew the count`,
        );
      }
    }
    if (!(await probe(connection, (ch) => ch.checkExchange(demoQueue))))
      created.exchanges.push(demoQueue);
  } finally {
    await connection.close().catch(() => undefined);
  }
  return created;
}

async function removeCreatedEntities() {
  // Only the apps declare them: nothing to undo if neither got started.
  if (!createdEntities || !children.has('worker')) return;
  const { queues, exchanges } = createdEntities;
  if (queues.length + exchanges.length === 0) return;
  try {
    const amqplib = (await import('amqplib')).default;
    const connection = await amqplib.connect(rabbitUrl, { timeout: 5000 });
    try {
      for (const q of queues) await probe(connection, (ch) => ch.deleteQueue(q));
      for (const e of exchanges) await probe(connection, (ch) => ch.deleteExchange(e));
    } finally {
      await connection.close().catch(() => undefined);
    }
    log(
      `removed what the demo declared: ${[...queues, ...exchanges.map((e) => `exchange ${e}`)].join(', ')}`,
    );
  } catch (err) {
    log(`could not remove the demo's queues: ${err instanceof Error ? err.message : err}`);
  }
}

/** Runs one operation on a throwaway channel (a failed check closes the channel): its result or null. */
async function probe(connection, operation) {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined);
  try {
    return await operation(ch);
  } catch {
    return null;
  } finally {
    await ch.close().catch(() => undefined);
  }
}

function assertPortFree(p) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(new Error(`port ${p} is taken (${err.code}): set PORT to a free port`)),
    );
    server.listen(p, '127.0.0.1', () => server.close(() => resolve()));
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function describeExit(code, signal) {
  if (!signal) return `exit code ${code}`;
  const number = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal];
  return number ? `signal ${signal} (exit status ${128 + number})` : `signal ${signal}`;
}

function log(message) {
  console.log(`[demo] ${message}`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** amqplib's text for a refused login or a missing vhost is cryptic: say what to check. */
function brokerError(err) {
  const text = err instanceof Error ? err.message : String(err);
  return /ConnectionClose|ACCESS_REFUSED|403/.test(text)
    ? `${text} (the broker refused the login: check the user, password and vhost in RABBITMQ_URL)`
    : text;
}

function redact(url) {
  return url.replace(/:[^:@/]*@/, ':***@');
}
