import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskClient } from '../client/task-client.js';
import { PeriodicRegistry } from '../discovery/periodic-registry.js';
import { TaskExplorer } from '../discovery/task-explorer.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { TaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { InMemoryRuntime } from './in-memory-runtime.js';
import { TaskQueueTester } from './task-queue-tester.js';
import { TESTING_MODE, type TestingMode } from './testing-mode.js';

/** `TaskQueueModule`'s options, plus how the test mode treats what is sent. */
export interface TaskQueueTestingOptions extends Omit<TaskQueueOptions, 'url'> {
  /** `'run'` (the default) runs the app's `@Task()` handlers; `'record'` only keeps what was sent. */
  readonly mode?: TestingMode;
  /** Register globally, as `TaskQueueModule.forRoot({ isGlobal: true })` does. */
  readonly isGlobal?: boolean;
}

/**
 * A drop-in for `TaskQueueModule` in `Test.createTestingModule`: the same `TaskClient`, discovery of
 * the app's `@Task()` handlers and worker pipeline, with the broker in memory. Inject `TaskQueueTester`
 * to see what was sent and to run it.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [TaskQueueTestingModule.forRoot()],
 *   providers: [OrderTasks],
 * }).compile();
 * await moduleRef.init();
 */
@Module({})
export class TaskQueueTestingModule {
  static forRoot(options: TaskQueueTestingOptions = {}): DynamicModule {
    const { mode = 'run', isGlobal = false, ...taskQueue } = options;
    return {
      module: TaskQueueTestingModule,
      global: isGlobal,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: RESOLVED_OPTIONS,
          // Delayed tasks wait in their queue with their eta; the tester runs them once due.
          useFactory: () =>
            resolveOptions({ ...taskQueue, url: 'amqp://in-memory', delayedDelivery: 'direct' }),
        },
        { provide: TESTING_MODE, useValue: mode },
        TaskRegistry,
        PeriodicRegistry,
        TaskExplorer,
        { provide: TaskQueueRuntime, useClass: InMemoryRuntime },
        TaskClient,
        TaskQueueTester,
      ],
      exports: [TaskClient, TaskQueueTester, TaskRegistry, TaskQueueRuntime],
    };
  }
}
