/** Metadata key the `@Task()` decorator writes and the explorer reads. */
export const TASK_METADATA = 'celeriac:task';

/** DI token of the options after `resolveOptions()`. Services inject this, never the raw options. */
export const RESOLVED_OPTIONS = Symbol('celeriac:resolved-options');

/** Transport id of `TaskQueueServer`; its description names our spans in Nest's instrumentation. */
export const TASK_TRANSPORT = Symbol('celeriac');

/** Metadata key the `@Periodic()` decorator writes and the explorer reads. */
export const PERIODIC_METADATA = 'celeriac:periodic';
