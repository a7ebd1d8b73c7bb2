import {
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type LoggerService,
  Module,
  type Provider,
} from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { DeadLetters } from '../client/dead-letters.service.js';
import { TaskClient } from '../client/task-client.js';
import { TaskEventStream } from '../client/task-event-stream.service.js';
import { WorkerInspector } from '../client/worker-inspector.service.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { resolveOptions } from '../options/resolve-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import type { TlsOptions } from '../options/tls-options.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { isLocalRequest } from './dashboard-access.js';
import { accessRequestOf } from './dashboard-request.js';
import { TaskDashboardModule } from './task-dashboard.module.js';

/** Options of `serveDashboard()`, what `celeriac dashboard` passes. */
export interface ServeDashboardOptions {
  /** The broker, as `TaskQueueModule`'s `url`. */
  readonly url: string;
  /** TLS of an `amqps://` `url`, as `TaskQueueModule`'s `tls`. */
  readonly tls?: TlsOptions;
  /** @defaultValue `5555` (Flower's port) */
  readonly port?: number;
  /**
   * Allow actions (revoke, rate limit, replay, purge) from this machine. Off, the dashboard is read-only;
   * either way it answers only on this machine.
   * @defaultValue `false`
   */
  readonly allowActions?: boolean;
  readonly logger?: LoggerService | false;
}

/** A running standalone dashboard. */
export interface ServedDashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Lets only requests made on this machine through; as a guard it also unlocks the actions. */
class ThisMachineOnly implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return isLocalRequest(accessRequestOf(context.switchToHttp().getRequest()));
  }
}

/**
 * Serves the dashboard on its own, on 127.0.0.1, without an app of the user's: the Celeriac services it
 * reads are built here from the broker URL. Needs `@nestjs/platform-express` (an optional peer).
 * @throws IllegalStateError when `@nestjs/platform-express` is not installed
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<ServedDashboard> {
  const adapter = await expressAdapter();
  const resolved = resolveOptions({
    url: options.url,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    connectTimeoutMs: 5_000,
  });
  const runtime = new TaskQueueRuntime(resolved);
  const providers: Provider[] = [
    { provide: RESOLVED_OPTIONS, useValue: resolved },
    { provide: TaskQueueRuntime, useValue: runtime },
    { provide: WorkerInspector, useValue: new WorkerInspector(runtime, resolved) },
    { provide: TaskEventStream, useValue: new TaskEventStream(runtime, resolved) },
    { provide: DeadLetters, useValue: new DeadLetters(runtime, resolved) },
    { provide: TaskClient, useValue: new TaskClient(resolved, runtime) },
  ];
  @Module({
    imports: [
      TaskDashboardModule.register({
        path: '',
        ...(options.allowActions === true ? { guards: [new ThisMachineOnly()] } : {}),
      }),
    ],
    providers,
    exports: providers,
  })
  class StandaloneDashboardModule {}
  let app: INestApplication;
  try {
    app = await NestFactory.create(StandaloneDashboardModule, adapter, {
      logger: options.logger ?? false,
      abortOnError: false,
    });
    await app.listen(options.port ?? 5555, '127.0.0.1');
  } catch (err: unknown) {
    await runtime.onApplicationShutdown();
    throw err;
  }
  const server = app.getHttpServer() as { address(): { port: number } };
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: async () => {
      await app.close();
      await runtime.onApplicationShutdown();
    },
  };
}

async function expressAdapter(): Promise<AbstractHttpAdapter> {
  try {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    return new ExpressAdapter();
  } catch {
    throw new IllegalStateError(
      'the standalone dashboard needs @nestjs/platform-express: npm install @nestjs/platform-express',
    );
  }
}
