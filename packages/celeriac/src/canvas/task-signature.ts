import { randomUUID } from 'node:crypto';
import type { SendOptions } from '../sending/send-options.js';
import type { TaskRef } from '../task/task-ref.js';
import { formatCeleryDate } from '../message/celery-date.js';
import type { SignatureOptionsWire, SignatureWire } from '../message/task-message.js';

/** Options of a signature: those of `send()`, plus Celery's `immutable`. */
export interface SignatureOptions extends SendOptions {
  /** Do not put the previous task's result in front of this one's args (Celery's `.si()`). */
  immutable?: boolean;
  /** Run after this task succeeds, with its result as the first argument. */
  link?: TaskSignature | readonly TaskSignature[];
  /** Run after this task fails, with its id as the first argument. */
  linkError?: TaskSignature | readonly TaskSignature[];
}

/** `send()` options plus callbacks. */
export type SendWithLinksOptions = SendOptions & Pick<SignatureOptions, 'link' | 'linkError'>;

/**
 * One task call, not sent yet: a step of a chain, a member of a group, or a callback (Celery's
 * `Signature`). Its id is assigned when it is created (Celery's `.freeze()`), so its result can be awaited
 * with `client.result(sig.id)` even when a worker is the one that sends it.
 */
export interface TaskSignature<R = unknown> {
  readonly id: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly options: SignatureOptions;
  /** Phantom: the result type, for `client.result()`. */
  readonly __result?: R;
}

/**
 * The arguments of a chain step or a link callback given a reference: all but the first, which the
 * previous task's result fills in (Celery's partial signature).
 */
export type ArgsAfterFirst<A extends readonly unknown[]> = A extends readonly [
  unknown,
  ...infer Rest,
]
  ? Rest
  : A;

/**
 * Creates a signature (Celery's `add.s(2, 3)` / `app.signature('tasks.add', (2, 3))`).
 *
 * @example
 * const step = signature('tasks.add', [10]);
 * // With a reference the compiler checks the count and types: all the arguments, or all but the first
 * // (a chain step or callback, which receives the previous result first).
 * signature(add, [1, 1]); signature(add, [10]); // add: TaskRef<[x: number, y: number], number>
 * const result = await client.chain([signature('tasks.add', [1, 1]), step]);
 */
export function signature<A extends readonly unknown[], R>(
  task: TaskRef<A, R>,
  args: NoInfer<A> | ArgsAfterFirst<NoInfer<A>>,
  kwargs?: Readonly<Record<string, unknown>>,
  options?: SignatureOptions,
): TaskSignature<R>;
export function signature<R = unknown>(
  task: string,
  args?: readonly unknown[],
  kwargs?: Readonly<Record<string, unknown>>,
  options?: SignatureOptions,
): TaskSignature<R>;
export function signature(
  task: string | TaskRef,
  args: readonly unknown[] = [],
  kwargs: Readonly<Record<string, unknown>> = {},
  options: SignatureOptions = {},
): TaskSignature {
  return Object.freeze({
    id: options.taskId ?? randomUUID(),
    task: typeof task === 'string' ? task : task.name,
    args: [...args],
    kwargs: { ...kwargs },
    options: { ...options },
  });
}

/** Every signature reachable from this one's link/linkError options (itself excluded). */
export function linkedSignatures(sig: { options: SignatureOptions }): TaskSignature[] {
  return [...asList(sig.options.link), ...asList(sig.options.linkError)].flatMap((s) => [
    s,
    ...linkedSignatures(s),
  ]);
}

const NO_SIGNATURES: readonly TaskSignature[] = Object.freeze([]);

export function asList(
  value: TaskSignature | readonly TaskSignature[] | undefined,
): readonly TaskSignature[] {
  // Shared: most sends have no callbacks, and this runs on every one.
  if (value === undefined) return NO_SIGNATURES;
  return isSignatureList(value) ? value : [value];
}

/**
 * The signature as Celery writes it inside `embed`, with its id and our reply queue pre-assigned, so a
 * Python or Node worker that publishes it sends the result back to this client (celery-protocol.md §14.6).
 */
export function toWireSignature(
  sig: TaskSignature,
  replyTo: string | null,
  now: number,
): SignatureWire {
  const o = sig.options;
  const options: SignatureOptionsWire = { task_id: sig.id };
  if (replyTo !== null) options.reply_to = replyTo;
  if (o.queue !== undefined) options.queue = o.queue;
  if (o.exchange !== undefined) options.exchange = o.exchange;
  if (o.routingKey !== undefined) options.routing_key = o.routingKey;
  if (o.priority !== undefined) options.priority = o.priority;
  // countdown stays relative: it counts from when the worker publishes the step, as in Celery.
  if (o.countdown !== undefined) options.countdown = o.countdown;
  if (o.eta !== undefined) options.eta = formatCeleryDate(new Date(o.eta));
  if (o.expires !== undefined) {
    options.expires =
      typeof o.expires === 'number'
        ? formatCeleryDate(new Date(now + o.expires * 1000))
        : formatCeleryDate(o.expires);
  }
  if (o.timeLimit !== undefined) options.time_limit = o.timeLimit;
  if (o.softTimeLimit !== undefined) options.soft_time_limit = o.softTimeLimit;
  if (o.headers !== undefined) options.headers = { ...o.headers };
  if (o.ignoreResult === true) options['ignore_result'] = true;
  if (o.shadow !== undefined) options['shadow'] = o.shadow;
  const link = asList(o.link);
  const linkError = asList(o.linkError);
  if (link.length > 0) options.link = link.map((s) => toWireSignature(s, replyTo, now));
  if (linkError.length > 0)
    options.link_error = linkError.map((s) => toWireSignature(s, replyTo, now));
  return {
    task: sig.task,
    args: [...sig.args],
    kwargs: { ...sig.kwargs },
    options,
    subtask_type: null,
    immutable: o.immutable === true,
  };
}

function isSignatureList(
  value: TaskSignature | readonly TaskSignature[],
): value is readonly TaskSignature[] {
  return Array.isArray(value);
}
