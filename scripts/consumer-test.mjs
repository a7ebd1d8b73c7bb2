#!/usr/bin/env node
// `npm run test:consumer [-- esm|cjs] [--tarball <file>]`: the library checked as a user receives it.
// For each template app under test/consumer/templates (default: both):
//   1. copies it to a fresh temporary directory, outside this repository, so nothing resolves from the
//      workspace's node_modules;
//   2. `npm ci` (the template's own lockfile), then `npm install <the packed celeriac tarball>`;
//   3. type-checks it (strict, moduleResolution nodenext, Celeriac's .d.ts files checked too) and builds it;
//   4. runs `celeriac --help` from the installed bin;
//   5. starts its worker and its API against RabbitMQ (RABBITMQ_URL), sends one task through the API and
//      waits for its result to come back; then stops both with SIGTERM and expects clean exits;
//   6. deletes the broker entities the run declared (every run uses names of its own) and the directory.
// The ESM app runs its worker with `celeriac worker --module`, the CommonJS one with runWorker() in its
// own main file, which loads the ES module package through require().
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import amqplib from 'amqplib';
import { DELAY_LEVELS, deadLetterQueueName, delayNames } from 'celeriac';
import { root, tarballFromArgs } from './package-tarball.mjs';

const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FLAVORS = {
  esm: {
    worker: (dir) => [
      join(dir, 'node_modules/.bin/celeriac'),
      ['worker', '--module', './dist/worker.module.js#WorkerModule'],
    ],
  },
  cjs: { worker: () => [process.execPath, ['dist/worker.js']] },
};

const { tarball, positionals } = tarballFromArgs();
const flavors = positionals.length > 0 ? positionals : Object.keys(FLAVORS);
let failures = 0;
for (const flavor of flavors) {
  if (!(flavor in FLAVORS)) {
    console.error(`unknown template "${flavor}": expected ${Object.keys(FLAVORS).join(' or ')}`);
    process.exit(2);
  }
  const started = Date.now();
  try {
    await runTemplate(flavor);
    log(flavor, `passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    failures++;
    log(flavor, `FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.exit(failures === 0 ? 0 : 1);

async function runTemplate(flavor) {
  const dir = mkdtempSync(join(tmpdir(), `celeriac-consumer-${flavor}-`));
  const queue = `consumer-${flavor}-${randomUUID().slice(0, 8)}`;
  const apps = [];
  try {
    cpSync(join(root, 'test/consumer/templates', flavor), dir, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
    log(flavor, `app copied to ${dir}; Node ${process.version}, npm from PATH`);
    npm(flavor, dir, ['ci', '--no-audit', '--no-fund']);
    npm(flavor, dir, ['install', '--no-audit', '--no-fund', tarball]);
    npm(flavor, dir, ['run', 'typecheck']);
    npm(flavor, dir, ['run', 'build']);
    const help = spawnSync(join(dir, 'node_modules/.bin/celeriac'), ['--help'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (help.status !== 0 || !help.stdout.includes('Usage: celeriac')) {
      throw new Error(`celeriac --help exited ${help.status}: ${help.stdout}${help.stderr}`);
    }
    log(flavor, 'celeriac --help works from the installed bin');

    const port = await freePort();
    const env = { ...process.env, RABBITMQ_URL: rabbitUrl, CONSUMER_QUEUE: queue, NO_COLOR: '1' };
    const [command, args] = FLAVORS[flavor].worker(dir);
    const worker = startApp(`${flavor}:worker`, command, args, dir, env);
    apps.push(worker);
    await worker.waitFor(new RegExp(`consuming ${queue}\\b`), 30_000);
    const api = startApp(`${flavor}:api`, process.execPath, ['dist/main.js'], dir, {
      ...env,
      PORT: String(port),
    });
    apps.push(api);
    await api.waitFor(/API listening/, 30_000);

    const name = `user-${randomUUID().slice(0, 4)}`;
    const response = await fetch(`http://127.0.0.1:${port}/greetings/${name}`, {
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.json().catch(() => null);
    const expected = `hello ${name} from consumer.greet`;
    if (response.status !== 200 || body?.greeting !== expected) {
      throw new Error(
        `GET /greetings/${name} answered ${response.status} ${JSON.stringify(body)}; expected ${expected}`,
      );
    }
    log(flavor, `task ${body.taskId} went there and back: ${JSON.stringify(body.greeting)}`);

    // celeriac/dashboard from the tarball: the page's files are found beside the built module.
    const page = await fetch(`http://127.0.0.1:${port}/tasks`, {
      signal: AbortSignal.timeout(15_000),
    });
    const html = await page.text();
    if (page.status !== 200 || !html.includes('<title>Celeriac tasks</title>')) {
      throw new Error(`GET /tasks answered ${page.status}: ${html.slice(0, 200)}`);
    }
    const overview = await fetch(`http://127.0.0.1:${port}/tasks/api/overview`, {
      signal: AbortSignal.timeout(15_000),
    });
    const workers = (await overview.json().catch(() => null))?.workers;
    if (overview.status !== 200 || !Array.isArray(workers)) {
      throw new Error(`GET /tasks/api/overview answered ${overview.status}`);
    }
    log(flavor, `the dashboard answers at /tasks and lists ${workers.length} worker(s)`);

    for (const app of [api, worker]) {
      const exit = await app.stop();
      // Nest's enableShutdownHooks re-raises SIGTERM after its graceful close: that is clean too.
      if (exit.code !== 0 && exit.signal !== 'SIGTERM') {
        throw new Error(`${app.name} exited with ${JSON.stringify(exit)}:\n${app.tail()}`);
      }
    }
    log(flavor, 'worker and API stopped cleanly on SIGTERM');
  } finally {
    await Promise.all(apps.map((app) => app.kill()));
    await deleteBrokerEntities(queue);
    rmSync(dir, { recursive: true, force: true });
  }
}

function npm(flavor, dir, args) {
  log(flavor, `npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `npm ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
}

/** A process of the app, in its own process group, with its output kept and echoed. */
function startApp(name, command, args, cwd, env) {
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      console.log(`[${name}] ${line}`);
    });
  }
  const exited = new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 127, signal: null, error: err.message }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exit = null;
  void exited.then((e) => (exit = e));
  const tail = () => lines.slice(-30).join('\n');
  return {
    name,
    tail,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!lines.some((line) => pattern.test(line))) {
        if (exit) throw new Error(`${name} exited (${JSON.stringify(exit)}) before ${pattern}`);
        if (Date.now() > deadline) throw new Error(`${name} did not log ${pattern} in time`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 20_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    async kill() {
      if (exit) return;
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Removes the queue, its dead-letter queue, the delay cascade and the revocation stream of one run. */
async function deleteBrokerEntities(queue) {
  const names = delayNames(`${queue}.delay`);
  const levels = Array.from({ length: DELAY_LEVELS }, (_, k) => names.level(k));
  const queues = [queue, deadLetterQueueName(queue), ...levels, names.ready, names.dead];
  const exchanges = [queue, ...levels, names.out];
  const queuesOfStream = [`${queue}.revoked`];
  let connection;
  try {
    connection = await amqplib.connect(rabbitUrl, { timeout: 5000 });
  } catch {
    return; // the run failed before the broker was needed, or the broker is gone: nothing to do
  }
  try {
    for (const q of [...queues, ...queuesOfStream])
      await quietly(connection, (ch) => ch.deleteQueue(q));
    for (const e of exchanges) await quietly(connection, (ch) => ch.deleteExchange(e));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function quietly(connection, operation) {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined);
  try {
    await operation(ch);
    await ch.close();
  } catch {
    // not there (a failed operation closes the channel with a 404)
  }
}

function log(flavor, message) {
  console.log(`[consumer:${flavor}] ${message}`);
}
