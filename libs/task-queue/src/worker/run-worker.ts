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
import { errorStack } from '../errors/error-text.js';

export interface RunWorkerOptions {
  /** Nest logger, as for `NestFactory.createMicroservice`. */
  logger?: LoggerService | LogLevel[] | false;
  /**
   * Signals that start a warm shutdown.
   * @defaultValue `['SIGTERM', 'SIGINT']`
   */
  signals?: readonly NodeJS.Signals[];
}

/**
 * Starts a worker process: creates the Nest microservice with `TaskQueueServer` as its strategy, listens,
 * and on SIGTERM/SIGINT drains the worker *before* closing the app, so handlers still have their
 * providers (database pools and the like) while they finish.
 *
 * @example
 * await runWorker(WorkerModule); // apps/worker/src/main.ts
 */
export async function runWorker(
  module: Type,
  options: RunWorkerOptions = {},
): Promise<INestMicroservice> {
  const strategy: AsyncMicroserviceOptions = {
    useFactory: (server: TaskQueueServer) => ({ strategy: server }),
    inject: [TaskQueueServer],
  };
  const app = await NestFactory.createMicroservice(module, {
    ...strategy,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  await app.listen();

  const logger = new Logger('Worker');
  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    stopping ??= (async () => {
      logger.log(`${signal} received: finishing running tasks, then closing`);
      await app.get(TaskQueueServer).close();
      await app.close();
      logger.log('Worker closed');
    })().catch((err: unknown) => {
      logger.error(`Shutdown failed: ${errorStack(err)}`);
      process.exitCode = 1;
    });
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.once(signal, stop);
  return app;
}
