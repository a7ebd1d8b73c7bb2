#!/usr/bin/env node
// A worker process of `celeriac worker -P processes`: the supervisor forks this file with the worker
// flags only, and the module to run in CELERIAC_WORKER_MODULE (set by the worker command).
import { runWorkerModule } from './run-worker-module.js';
import { WORKER_MODULE_ENV } from './worker-entry-path.js';

const spec = process.env[WORKER_MODULE_ENV];
if (spec === undefined) {
  process.stderr.write(
    `celeriac worker: ${WORKER_MODULE_ENV} is not set: run \`celeriac worker\`.\n`,
  );
  process.exitCode = 2;
} else {
  runWorkerModule(spec, process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(
      `celeriac worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}
