import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { PoolWorkerModule } from './pool-worker.module.js';

await runWorker(PoolWorkerModule, { argv: process.argv.slice(2) });
