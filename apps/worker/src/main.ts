import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { WorkerModule } from './worker.module.js';

// Celery-like flags, e.g. `node dist/apps/worker/apps/worker/src/main.js -P processes -c 4 -Q celery`
// (`--help` lists them). Start with `node dist/...` (or `exec node` in a script), not through `npm run`:
// npm does not pass SIGTERM on, and the warm shutdown needs it.
await runWorker(WorkerModule, { argv: process.argv.slice(2) });
