import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskClient } from '../client/task-client.js';
import { DeadLetters } from '../client/dead-letters.service.js';
import { TaskEventStream } from '../client/task-event-stream.service.js';
import { WorkerInspector } from '../client/worker-inspector.service.js';
import { TaskExplorer } from '../discovery/task-explorer.js';
import { PeriodicRegistry } from '../discovery/periodic-registry.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import type { TaskQueueOptions } from '../options/task-queue-options.js';
import { resolveOptions } from '../options/resolve-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { ConfigurableModuleClass, TASK_QUEUE_OPTIONS } from './task-queue.module-definition.js';
import { BeatService } from '../runtime/beat.service.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { TaskQueueServer } from '../worker/task-queue.server.js';
import { TaskQueueHealthIndicator } from '../health/task-queue-health.indicator.js';

/**
 * Celeriac's module. `forRoot(options)` or `forRootAsync({ useFactory, inject })`; options are resolved
 * and validated once, at boot, so a bad option fails the start with a message naming the field.
 *
 * @example
 * TaskQueueModule.forRootAsync({
 *   isGlobal: true,
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ url: config.getOrThrow('RABBITMQ_URL') }),
 * })
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_OPTIONS,
      inject: [TASK_QUEUE_OPTIONS],
      useFactory: (options: TaskQueueOptions) => resolveOptions(options),
    },
    TaskRegistry,
    PeriodicRegistry,
    TaskExplorer,
    BeatService,
    TaskQueueRuntime,
    TaskClient,
    TaskQueueServer,
    DeadLetters,
    WorkerInspector,
    TaskEventStream,
    TaskQueueHealthIndicator,
  ],
  exports: [
    TaskClient,
    TaskQueueServer,
    TaskRegistry,
    TaskQueueRuntime,
    DeadLetters,
    WorkerInspector,
    TaskEventStream,
    BeatService,
    TaskQueueHealthIndicator,
  ],
})
export class TaskQueueModule extends ConfigurableModuleClass {}
