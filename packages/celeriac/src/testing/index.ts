/**
 * `celeriac/testing`: run an app's tasks in its own tests, without a broker, on the library's own
 * rules (see docs/testing.md).
 */
export { TaskQueueTestingModule } from './task-queue-testing.module.js';
export type { TaskQueueTestingOptions } from './task-queue-testing.module.js';
export { TaskQueueTester } from './task-queue-tester.js';
export type { SentFilter, SentTask, TaskRun } from './task-queue-tester.js';
export type { TestingMode } from './testing-mode.js';
