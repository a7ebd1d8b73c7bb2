import 'reflect-metadata';
import { runWorker } from '@app/task-queue';
import { PoolWorkerModule } from './pool-worker.module.js';

await runWorker(PoolWorkerModule, { argv: process.argv.slice(2) });
