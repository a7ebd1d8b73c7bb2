import 'reflect-metadata';
import { runWorker } from '@app/task-queue';
import { WorkerModule } from './worker.module.js';

// Start with `node dist/...` (or `exec node` in a script), not through `npm run`: npm does not pass
// SIGTERM on, and the warm shutdown needs it.
await runWorker(WorkerModule);
