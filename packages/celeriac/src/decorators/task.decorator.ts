import { SetMetadata } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { TaskRef } from '../task/task-ref.js';
import { TASK_METADATA } from '../options/task-queue.constants.js';
import type { TaskRetryOptions } from '../task/retry-policy.js';
import type { TaskLimitOptions } from '../task/task-limits.js';
import type { TaskContext } from '../task/task-context.js';

/**
 * Per-task options of `@Task()`. The retry options (`maxRetries`, `autoretryFor`, `retryBackoff`,
 * `retryBackoffMax`, `retryJitter`, `defaultRetryDelay`) are Celery's, in camelCase; see `TaskRetryOptions`.
 * So are the limits (`timeLimit`, `softTimeLimit`, `rateLimit`); see `TaskLimitOptions`.
 * They are checked at boot: a bad value fails the start naming `Class.method` and the field.
 */
export interface TaskOptions extends TaskRetryOptions, TaskLimitOptions {
  /** Wire name, e.g. `'email.send'`; unique across the app. Never derived from class or method names. */
  name: string;
  /**
   * Names of the handler's positional parameters, so that keyword arguments from Python
   * (`add.delay(x=1, y=2)`) land in the right place. Without it, kwargs are only in `ctx.kwargs`.
   */
  params?: readonly string[];
  /** Never send a SUCCESS result for this task, whatever the caller asked. */
  ignoreResult?: boolean;
}

/** What the decorator stores; read only by the explorer. */
export interface TaskMetadata {
  readonly name: string;
  readonly params: readonly string[] | null;
  readonly ignoreResult: boolean;
  /** Retry options as given; the explorer checks them and applies the defaults. */
  readonly retry: Readonly<TaskRetryOptions>;
  /** Time and rate limits as given; the explorer checks them. */
  readonly limits: Readonly<TaskLimitOptions>;
  /** The reference's `args` schema (`defineTask(name, { args })`), checked before the handler runs. */
  readonly argsSchema: StandardSchemaV1 | null;
  /** The reference's `result` schema, checked before the result is reported. */
  readonly resultSchema: StandardSchemaV1 | null;
  /** Option names the decorator does not know (a typo from plain JavaScript); the explorer refuses them. */
  readonly unknownKeys: readonly string[];
}

const RETRY_KEYS = [
  'maxRetries',
  'autoretryFor',
  'retryBackoff',
  'retryBackoffMax',
  'retryJitter',
  'defaultRetryDelay',
] as const satisfies readonly (keyof TaskRetryOptions)[];

const LIMIT_KEYS = [
  'timeLimit',
  'softTimeLimit',
  'rateLimit',
] as const satisfies readonly (keyof TaskLimitOptions)[];

const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([
  'name',
  // A TaskRef's own fields, read above.
  'argsSchema',
  'resultSchema',
  'paramNames',
  'ignoresResult',
  'params',
  'ignoreResult',
  ...RETRY_KEYS,
  ...LIMIT_KEYS,
]);

/** A handler whose leading parameters match the task's args; the task context comes last. */
export type TaskHandlerFor<A extends readonly unknown[], R> = (
  ...args: [...A, TaskContext]
) => R | Promise<R>;

type TaskMethodDecorator<A extends readonly unknown[], R> = <T extends TaskHandlerFor<A, R>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void;

/**
 * Declares a provider method as the handler of a task. The worker calls it with the task's positional
 * args, then a `TaskContext` (id, retries, headers, an `AbortSignal`, ...). Whatever it returns (or
 * resolves) is the task's result; whatever it throws is its failure.
 *
 * @example
 * \@Task('articles.incr_read_times')
 * async incrReadTimes(slug: string): Promise<number> { ... }
 *
 * \@Task(incrReadTimes) // a TaskRef: the compiler checks the handler against the ref's types
 * async incrReadTimes(slug: string): Promise<number> { ... }
 */
export function Task<A extends readonly unknown[], R>(
  ref: TaskRef<A, R>,
  options?: Omit<TaskOptions, 'name'>,
): TaskMethodDecorator<A, R>;
export function Task(nameOrOptions: string | TaskOptions): MethodDecorator;
export function Task(
  nameOrOptions: string | TaskOptions | TaskRef,
  extra: Omit<TaskOptions, 'name'> = {},
): MethodDecorator {
  // A TaskRef carries only a name; TaskOptions may carry more. Reading the optional fields off either is safe.
  const given: Partial<TaskOptions> = typeof nameOrOptions === 'string' ? {} : nameOrOptions;
  const name = typeof nameOrOptions === 'string' ? nameOrOptions : nameOrOptions.name;
  const ref = typeof nameOrOptions === 'string' ? null : (nameOrOptions as Partial<TaskRef>);
  const params = given.params ?? ref?.paramNames ?? extra.params;
  const retry: Record<string, unknown> = {};
  for (const key of RETRY_KEYS) {
    // `!== undefined`, not `??`: `maxRetries: null` (no limit) is a value.
    const value = given[key] !== undefined ? given[key] : extra[key];
    if (value !== undefined) retry[key] = value;
  }
  const limits: Record<string, unknown> = {};
  for (const key of LIMIT_KEYS) {
    const value = given[key] ?? extra[key];
    if (value !== undefined) limits[key] = value;
  }
  const metadata: TaskMetadata = {
    name,
    params: params ? [...params] : null,
    ignoreResult: given.ignoreResult ?? ref?.ignoresResult ?? extra.ignoreResult ?? false,
    retry,
    limits,
    argsSchema: ref?.argsSchema ?? null,
    resultSchema: ref?.resultSchema ?? null,
    unknownKeys: [...Object.keys(given), ...Object.keys(extra)].filter((k) => !KNOWN_KEYS.has(k)),
  };
  return SetMetadata(TASK_METADATA, metadata);
}
