import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { WorkerModule } from './worker.module.js';

// `require('celeriac')` in the compiled file: Node loads the ES module package through require(esm).
void runWorker(WorkerModule, { argv: process.argv.slice(2) });
