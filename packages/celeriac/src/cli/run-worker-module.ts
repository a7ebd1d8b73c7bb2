// Nest's decorators read the metadata that reflect-metadata adds: it must load before the user's module.
import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { runWorker } from '../worker/run-worker.js';
import { loadModuleClass } from './load-module-class.js';

/** Loads the module named by `spec` (`file#export`) and runs a worker for it with `argv` as its flags. */
export async function runWorkerModule(spec: string, argv: readonly string[]): Promise<void> {
  let module: Type;
  try {
    module = await loadModuleClass(spec);
  } catch (err: unknown) {
    process.stderr.write(`celeriac worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  await runWorker(module, { argv });
}
