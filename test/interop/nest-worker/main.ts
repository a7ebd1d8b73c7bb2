import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { InteropWorkerModule } from './interop-worker.module.js';

// Worker flags as Celery's: `npm run interop:worker -- -E` sends task events, `-n` names the node.
await runWorker(InteropWorkerModule, { argv: process.argv.slice(2) });
