import type { ModuleRef } from '@nestjs/core';
import { DeadLetters } from '../client/dead-letters.service.js';
import { TaskClient } from '../client/task-client.js';
import { TaskEventStream } from '../client/task-event-stream.service.js';
import { WorkerInspector } from '../client/worker-inspector.service.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';

/** The app's Celeriac services the dashboard reads and acts through. */
export interface DashboardSources {
  readonly inspector: WorkerInspector;
  readonly events: TaskEventStream;
  readonly deadLetters: DeadLetters;
  readonly client: TaskClient;
  readonly runtime: TaskQueueRuntime;
  readonly options: ResolvedTaskQueueOptions;
}

/** Injection token of the `DashboardSources`. */
export const DASHBOARD_SOURCES = Symbol('celeriac:dashboard-sources');

/**
 * Finds the app's `TaskQueueModule` services wherever the app imported the module (global or not), so
 * that mounting the dashboard takes one import and no re-export.
 * @throws IllegalStateError when the app has no `TaskQueueModule`
 */
export function findDashboardSources(moduleRef: ModuleRef): DashboardSources {
  const find = <T>(token: abstract new (...args: never[]) => T): T => {
    try {
      return moduleRef.get(token, { strict: false });
    } catch {
      throw new IllegalStateError(
        'TaskDashboardModule needs TaskQueueModule: import TaskQueueModule.forRoot(...) in the same app',
      );
    }
  };
  return {
    inspector: find(WorkerInspector),
    events: find(TaskEventStream),
    deadLetters: find(DeadLetters),
    client: find(TaskClient),
    runtime: find(TaskQueueRuntime),
    options: moduleRef.get<symbol, ResolvedTaskQueueOptions>(RESOLVED_OPTIONS, { strict: false }),
  };
}
