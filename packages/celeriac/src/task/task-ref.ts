import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * A typed reference to a task: its wire name plus its argument and result types. Declare it once in a
 * module both the producer and the worker import; then `client.send(ref, args)` and `@Task(ref)` are
 * both checked by the compiler against the same types.
 *
 * With schemas (any Standard Schema library: zod, valibot, arktype, ...), the contract is also checked at
 * run time: the client checks the arguments before publishing, the worker checks them (whoever sent them,
 * in whatever language) before running the handler, and checks the handler's result before reporting it.
 *
 * @example
 * export const incrReadTimes = defineTask<[slug: string], number>('articles.incr_read_times');
 * export const add = defineTask<[x: number, y: number], number>('tasks.add', { params: ['x', 'y'] });
 *
 * export const resize = defineTask('images.resize', {
 *   args: z.tuple([z.string().url(), z.number().int().positive()]),
 *   result: z.string(),
 * });
 */
export interface TaskRef<A extends readonly unknown[] = unknown[], R = unknown> {
  readonly name: string;
  /** Checks the positional arguments (as one array) on both sides; absent when not given. */
  readonly argsSchema?: StandardSchemaV1<unknown, A>;
  /** Checks the handler's result on the worker before it is reported; absent when not given. */
  readonly resultSchema?: StandardSchemaV1<unknown, R>;
  /**
   * Names of the positional parameters, once for producer and handler: `@Task(ref)` binds Python's
   * keyword arguments with them, and the worker names a missing argument in its `TypeError`. (Named
   * apart from `@Task()`'s `params`, so that an options object is never taken for a reference.)
   */
  readonly paramNames?: { readonly [K in keyof A]: string };
  /**
   * The task never reports a result (its `@Task(ref)` sends none, and `send(ref)` asks for none), so a
   * caller's `get()` fails at once instead of waiting.
   */
  readonly ignoresResult?: boolean;
  /** Phantom field: carries the types, never set at run time. */
  readonly __types?: { readonly args: A; readonly result: R };
}

/** The run-time contract of a task reference; both schemas are optional. */
export interface TaskContract<A extends readonly unknown[], R> {
  /** A schema for the positional arguments as one array, e.g. `z.tuple([z.string()])`. */
  readonly args?: StandardSchemaV1<unknown, A>;
  /** A schema for the handler's result. */
  readonly result?: StandardSchemaV1<unknown, R>;
  /** Parameter names, one per element of the argument tuple: `['x', 'y']`. */
  readonly params?: { readonly [K in keyof A]: string };
  /** The task never reports a result; see `TaskRef.ignoresResult`. */
  readonly ignoreResult?: boolean;
}

/**
 * Creates a typed task reference (see `TaskRef`). Given schemas, the types come from them: no generic
 * arguments are needed.
 */
export function defineTask<A extends readonly unknown[] = unknown[], R = unknown>(
  name: string,
  contract: TaskContract<A, R> = {},
): TaskRef<A, R> {
  // Schemas are set only when given, so a reference without them stays `{ name }` and costs nothing to check.
  const ref: { -readonly [K in keyof TaskRef<A, R>]: TaskRef<A, R>[K] } = { name };
  if (contract.args) ref.argsSchema = contract.args;
  if (contract.result) ref.resultSchema = contract.result;
  if (contract.params) ref.paramNames = contract.params;
  if (contract.ignoreResult !== undefined) ref.ignoresResult = contract.ignoreResult;
  return Object.freeze(ref);
}
