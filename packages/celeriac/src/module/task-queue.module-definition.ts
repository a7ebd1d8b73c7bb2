import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TaskQueueOptions } from '../options/task-queue-options.js';

/** Extras of `forRoot`/`forRootAsync` that shape the module rather than the queue. */
export interface TaskQueueModuleExtras {
  /** Register the module globally, so feature modules can inject `TaskClient` without importing it. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: TASK_QUEUE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TaskQueueOptions>({ moduleName: 'TaskQueue' })
  .setClassMethodName('forRoot')
  .setExtras<TaskQueueModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
  }))
  .build();
