import {
  Logger,
  type INestMicroservice,
  type LoggerService,
  type LogLevel,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { TaskQueueServer } from './task-queue.server.js';
import { errorMessage, errorStack } from '../errors/error-text.js';
import { hasErrorCode } from '../errors/task-queue.error.js';
import { WorkerUsageError } from '../errors/worker-usage.error.js';
import type { ResolvedWorkerOptions, WorkerOptions } from '../options/task-queue-options.js';
import { PoolChild } from '../pool/pool-child.js';
import { type ChildMessage, EXIT_USAGE, POOL_CHILD_ENV } from '../pool/pool-protocol.js';
import type { RecycleLimits } from '../pool/recycle-policy.js';
import { runPoolSupervisor } from '../pool/run-pool-supervisor.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import {
  parseWorkerFlags,
  WORKER_FLAGS_HELP,
  type WorkerFlags,
  workerOverrides,
} from '../pool/worker-flags.js';

export interface RunWorkerOptions {
  /** Nest logger, as for `NestFactory.createMicroservice`. */
  logger?: LoggerService | LogLevel[] | false;
  /**
   * Signals that start a warm shutdown.
   * @defaultValue `['SIGTERM', 'SIGINT']`
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * The worker's command line, normally `process.argv.slice(2)`: Celery-like flags (`-Q a,b`, `-c 4`,
   * `-P processes`, ...; `--help` lists them) that win over the module's `worker` options. With
   * `--pool processes` this process becomes a supervisor that forks `process.argv[1]` with the same flags
   * and opens no broker connection itself. A bad flag prints a message and sets exit code 2.
   * @defaultValue none: no flags are read
   */
  argv?: readonly string[];
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * A child of `--pool processes` that has closed lingers only if application code left a handle open
 * (an interval, a socket); the supervisor counts on its exit, so it is made after this long.
 */
const CHILD_EXIT_BACKSTOP_MS = 5_000;

/** What a child of `--pool processes` brings to `startWorker`. */
interface ChildSetup {
  readonly limits: RecycleLimits;
}

/**
 * Starts a worker process: creates the Nest microservice with `TaskQueueServer` as its strategy, listens,
 * and on SIGTERM/SIGINT drains the worker *before* closing the app, so handlers still have their
 * providers (database pools and the like) while they finish.
 *
 * With `argv`, the worker takes Celery-like flags (see {@link RunWorkerOptions.argv}); it then resolves
 * with null when this process runs no Nest app: the supervisor of `--pool processes`, `--help`, or a
 * usage or configuration error (exit code 2, message on stderr).
 *
 * @example
 * await runWorker(WorkerModule); // apps/worker/src/main.ts, no flags
 * await runWorker(WorkerModule, { argv: process.argv.slice(2) }); // `node main.js -P processes -c 4 -Q celery`
 */
export function runWorker(
  module: Type,
  options?: RunWorkerOptions & { argv?: undefined },
): Promise<INestMicroservice>;
export function runWorker(
  module: Type,
  options: RunWorkerOptions,
): Promise<INestMicroservice | null>;
export async function runWorker(
  module: Type,
  options: RunWorkerOptions = {},
): Promise<INestMicroservice | null> {
  if (options.argv === undefined) return startWorker(module, options, null, null, false);

  const childIndex = takePoolChildMarker();
  let flags: WorkerFlags;
  try {
    flags = parseWorkerFlags(options.argv);
  } catch (err: unknown) {
    if (err instanceof WorkerUsageError) return usageFailure(err.message, true);
    throw err;
  }
  if (flags.help) {
    process.stdout.write(WORKER_FLAGS_HELP);
    return null;
  }
  if (flags.pool !== 'processes') {
    return startWorker(module, options, workerOverrides(flags, 'worker'), null, flags.taskEvents);
  }
  if (childIndex !== null) {
    if (!process.send) {
      return usageFailure(
        `${POOL_CHILD_ENV} is set, but this process has no IPC channel: only the pool supervisor sets it.`,
        false,
      );
    }
    return startWorker(
      module,
      options,
      {
        ...workerOverrides(flags, 'child'),
        // The supervisor serves the pool's metrics on the port; worker process N (from 1) on port + N.
        ...(flags.metricsPort !== null
          ? { metricsPort: flags.metricsPort + 1 + Number(childIndex) }
          : {}),
      },
      { limits: { maxTasks: flags.maxTasksPerChild, maxMemoryKiB: flags.maxMemoryPerChildKiB } },
      flags.taskEvents,
    );
  }
  const entry = process.argv[1];
  if (entry === undefined) {
    return usageFailure('--pool processes needs a script to fork (process.argv[1]).', false);
  }
  if (options.logger !== undefined) Logger.overrideLogger(options.logger);
  const pool = runPoolSupervisor({
    flags,
    argv: options.argv,
    entry,
    signals: options.signals ?? DEFAULT_SIGNALS,
  });
  if (flags.metricsPort !== null) await servePoolMetricsUntilDone(pool, flags.metricsPort);
  return null;
}

/**
 * `--metrics-port` on a supervisor: the pool's own metrics on that port until the pool is done. A taken
 * port is logged, not fatal: the worker processes already run and serve their own.
 */
async function servePoolMetricsUntilDone(pool: WorkerPool, port: number): Promise<void> {
  const logger = new Logger('WorkerPool');
  try {
    const { servePoolMetrics } = await import('../metrics/pool-metrics.js');
    const server = await servePoolMetrics(pool, port);
    logger.log(`Serving the pool's Prometheus metrics at http://0.0.0.0:${server.port}/metrics`);
    void pool.done.then(() => server.close());
  } catch (err: unknown) {
    logger.error(`No pool metrics: ${errorMessage(err)}`);
  }
}

/**
 * Builds the app, applies the flag overrides and listens. `overrides` is null without `argv` (nothing is
 * overridden, and every error goes to the caller); `child` is set in a child of `--pool processes`.
 */
async function startWorker(
  module: Type,
  options: RunWorkerOptions,
  overrides: WorkerOptions | null,
  child: ChildSetup | null,
  taskEvents: boolean,
): Promise<INestMicroservice | null> {
  const strategy: AsyncMicroserviceOptions = {
    useFactory: (server: TaskQueueServer) => ({ strategy: server }),
    inject: [TaskQueueServer],
  };
  const cli = overrides !== null;
  let app: INestMicroservice;
  try {
    app = await NestFactory.createMicroservice(module, {
      ...strategy,
      // Reject instead of process.abort(): a bad option must be an error with a message (and, from the
      // command line, exit code 2, which tells a pool supervisor not to restart), not a core dump.
      abortOnError: false,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  } catch (err: unknown) {
    if (cli && isOptionsError(err)) return usageFailure(errorMessage(err), false);
    throw err;
  }
  const server = app.get(TaskQueueServer);
  let worker: ResolvedWorkerOptions | null = null;
  if (overrides !== null) {
    try {
      worker = server.configure(overrides);
    } catch (err: unknown) {
      if (!isOptionsError(err)) throw err;
      await app.close();
      return usageFailure(errorMessage(err), false);
    }
  }
  // `-E`: on from the start; without it the module's `events.taskEvents` stands.
  if (taskEvents) server.setTaskEvents(true);
  try {
    await app.listen();
  } catch (err: unknown) {
    // The server stopped what it had started; closing the app releases the connections too, so the
    // process can exit with the error instead of lingering half started.
    await app.close().catch(() => undefined);
    throw err;
  }

  const logger = new Logger('Worker');
  let stopping: Promise<void> | undefined;
  const stop = (why: string): void => {
    stopping ??= (async () => {
      logger.log(`${why}: finishing running tasks, then closing`);
      await server.close();
      await app.close();
      logger.log('Worker closed');
    })()
      .catch((err: unknown) => {
        logger.error(`Shutdown failed: ${errorStack(err)}`);
        process.exitCode = 1;
      })
      .finally(() => {
        if (child) leavePool(logger);
      });
  };
  server.onShutdownRequest(() => {
    stop('Shutdown requested by remote control');
  });
  for (const signal of options.signals ?? DEFAULT_SIGNALS) {
    const onSignal = (): void => {
      stop(`${signal} received`);
    };
    // A pool child may get a signal twice (systemd's default KillMode signals the whole group, and the
    // supervisor forwards its own): it stays warm, since the supervisor decides when to SIGKILL. A
    // single worker keeps Node's default for the second one, a cold shutdown.
    if (child) process.on(signal, onSignal);
    else process.once(signal, onSignal);
  }
  if (child && worker) {
    const poolChild = new PoolChild(child.limits, sendToSupervisor, (reason) => {
      stop(`Recycling: ${reason}`);
    });
    server.onTaskRun(() => {
      poolChild.afterTask();
    });
    server.onTaskAbandoned((task) => {
      poolChild.afterAbandonedTask(task);
    });
    // An orphan would go on consuming with nobody to stop or replace it.
    process.once('disconnect', () => {
      stop('The pool supervisor is gone');
    });
    poolChild.ready(worker);
  }
  return app;
}

/** Reads the pool marker and removes it, so processes the tasks spawn do not take it for theirs. */
function takePoolChildMarker(): string | null {
  const value = process.env[POOL_CHILD_ENV];
  if (value === undefined) return null;
  Reflect.deleteProperty(process.env, POOL_CHILD_ENV);
  return value;
}

function sendToSupervisor(message: ChildMessage): void {
  if (!process.connected || !process.send) return;
  // With a callback, a closed channel is reported there instead of as an 'error' event on `process`.
  process.send(message, undefined, {}, () => undefined);
}

/** A closed child disconnects, which lets it exit; a handle left open by app code must not keep it. */
function leavePool(logger: Logger): void {
  if (process.connected) process.disconnect();
  setTimeout(() => {
    logger.warn(
      `Still running ${CHILD_EXIT_BACKSTOP_MS} ms after closing (a timer or socket left open?): exiting`,
    );
    process.exit();
  }, CHILD_EXIT_BACKSTOP_MS).unref();
}

function isOptionsError(err: unknown): boolean {
  return hasErrorCode(err, 'TASK_QUEUE_INVALID_OPTIONS');
}

/** Reports a command-line or configuration error the way command-line tools do: stderr and exit code 2. */
function usageFailure(message: string, showHelpHint: boolean): null {
  process.stderr.write(
    `celeriac worker: ${message}\n${showHelpHint ? 'Run with --help to list the flags.\n' : ''}`,
  );
  process.exitCode = EXIT_USAGE;
  if (process.connected) process.disconnect();
  return null;
}
