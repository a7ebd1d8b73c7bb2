import { fileURLToPath } from 'node:url';

/** Where `celeriac worker` leaves the `--module` value for the processes of `-P processes`. */
export const WORKER_MODULE_ENV = 'CELERIAC_WORKER_MODULE';

/** The script each process of `celeriac worker -P processes` runs (worker-entry.ts, built). */
export function workerEntryPath(): string {
  return fileURLToPath(new URL('./worker-entry.js', import.meta.url));
}
