import { availableParallelism } from 'node:os';
import type { WorkerFlags } from './worker-flags.js';
import { WorkerPool } from './worker-pool.js';

export interface PoolSupervisorSetup {
  readonly flags: WorkerFlags;
  /** The command line the children get: the supervisor's own. */
  readonly argv: readonly string[];
  /** The script the children run. */
  readonly entry: string;
  readonly signals: readonly NodeJS.Signals[];
}

/**
 * Turns this process into the supervisor of `--pool processes`: forks the worker processes (as many as
 * `-c`, else one per CPU, as Celery's prefork pool does) and handles SIGTERM/SIGINT. The first signal is
 * a warm shutdown of every child; a second one is a cold shutdown (SIGKILL), as in Celery. The process
 * exits with the pool's exit code once every child has exited.
 */
export function runPoolSupervisor(setup: PoolSupervisorSetup): WorkerPool {
  const pool = new WorkerPool({
    processes: setup.flags.concurrency ?? availableParallelism(),
    entry: setup.entry,
    args: setup.argv,
    env: process.env,
    shutdownGraceMs: setup.flags.shutdownGraceMs,
  });
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) void pool.stop(`${signal} received`);
    else pool.kill(`${signal} received again: cold shutdown`);
  };
  for (const signal of setup.signals) process.on(signal, onSignal);
  void pool.done.then((code) => {
    for (const signal of setup.signals) process.off(signal, onSignal);
    process.exitCode = code;
  });
  pool.start();
  return pool;
}
