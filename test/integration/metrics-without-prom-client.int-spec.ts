import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROOT_MODULES = join(ROOT, 'node_modules');
const PACKAGE = join(ROOT, 'packages/celeriac');

/**
 * Boots a worker with `worker.metricsPort` and prints how its start ended, as JSON. The metrics server
 * starts before anything connects, so the broker URL (nothing listens on port 1) is never reached when
 * the metrics code fails to load.
 */
const WORKER_SCRIPT = `
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskQueueModule, TaskQueueServer } from 'celeriac';

class AppModule {}
Module({
  imports: [
    TaskQueueModule.forRoot({
      url: 'amqp://127.0.0.1:1',
      connectTimeoutMs: 1000,
      worker: { metricsPort: 0 },
    }),
  ],
})(AppModule);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const server = app.get(TaskQueueServer);
const err = await new Promise((resolve) => server.listen(resolve));
process.stdout.write(JSON.stringify(err ? { name: err.name, message: err.message } : { started: true }));
await app.close().catch(() => undefined);
process.exit(0);
`;

/**
 * A consumer project without prom-client, as a user who never installed it has: the built package copied
 * into its node_modules (a link would resolve from the workspace, where prom-client is installed) and
 * every other installed package linked, so Node's own resolution fails for prom-client and only for it.
 */
describe('worker.metricsPort without prom-client installed', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-no-prom-client-'));
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    for (const name of readdirSync(ROOT_MODULES)) {
      if (name === 'prom-client' || name === 'celeriac' || name === '.bin') continue;
      symlinkSync(join(ROOT_MODULES, name), join(modules, name));
    }
    cpSync(join(PACKAGE, 'package.json'), join(modules, 'celeriac/package.json'));
    cpSync(join(PACKAGE, 'dist'), join(modules, 'celeriac/dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(dir, 'worker.mjs'), WORKER_SCRIPT);
    writeFileSync(
      join(dir, 'resolve.mjs'),
      "import { createRequire } from 'node:module';\n" +
        'try { createRequire(import.meta.url).resolve("prom-client"); console.log("found"); }\n' +
        'catch { console.log("missing"); }\n',
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function node(script: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [script], { cwd: dir, timeout: 20_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  it('cannot resolve prom-client from the consumer project', async () => {
    expect((await node('resolve.mjs')).trim()).toBe('missing');
  });

  it('fails the worker start with a MetricsServerError that says what to install', async () => {
    const outcome = JSON.parse(await node('worker.mjs')) as { name?: string; message?: string };
    expect(outcome).toEqual({
      name: 'MetricsServerError',
      message:
        'worker.metricsPort (--metrics-port) needs the prom-client package: npm install prom-client',
    });
  });
});
