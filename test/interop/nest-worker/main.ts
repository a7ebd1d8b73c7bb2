import 'reflect-metadata';
import { runWorker } from '@app/task-queue';
import { InteropWorkerModule } from './interop-worker.module.js';

await runWorker(InteropWorkerModule);
