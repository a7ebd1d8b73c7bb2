/**
 * A typed reference to a task: its wire name plus its argument and result types. Declare it once in a
 * module both the producer and the worker import; then `client.send(ref, args)` and `@Task(ref)` are
 * both checked by the compiler against the same types.
 *
 * @example
 * export const incrReadTimes = defineTask<[slug: string], number>('articles.incr_read_times');
 */
export interface TaskRef<A extends readonly unknown[] = unknown[], R = unknown> {
  readonly name: string;
  /** Phantom field: carries the types, never set at run time. */
  readonly __types?: { readonly args: A; readonly result: R };
}

/** Creates a typed task reference (see `TaskRef`). */
export function defineTask<A extends readonly unknown[] = unknown[], R = unknown>(
  name: string,
): TaskRef<A, R> {
  return Object.freeze({ name });
}
