import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { PoolWorkerModule } from './pool-worker.module.js';

// `POOL_TRACE_FILE`: this process runs the OpenTelemetry SDK and writes its spans there (the
// cross-process trace test). Celeriac's tracer delegates lazily, so registering it here is early enough.
const traceFile = process.env['POOL_TRACE_FILE'];
if (traceFile) (await import('./trace-to-file.js')).traceToFile(traceFile);

await runWorker(PoolWorkerModule, { argv: process.argv.slice(2) });
