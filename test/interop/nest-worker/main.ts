import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { InteropWorkerModule } from './interop-worker.module.js';

await runWorker(InteropWorkerModule);
