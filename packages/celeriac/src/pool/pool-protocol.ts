/**
 * What a `--pool processes` supervisor and its children say to each other over the IPC channel of
 * `child_process.fork`. Only children talk; the supervisor's one instruction, "shut down warmly", is a
 * SIGTERM, which works even if the IPC channel is gone.
 */

/** Set (to the slot index) in the environment of every child the supervisor forks. */
export const POOL_CHILD_ENV = 'CELERIAC_POOL_CHILD';

/** Exit code for a usage or configuration error: the command line or the options are wrong. */
export const EXIT_USAGE = 2;

/** The child is consuming; the supervisor counts it as capacity from now on. */
export interface ChildReadyMessage {
  readonly type: 'celeriac:ready';
  readonly nodeName: string;
  readonly queues: readonly string[];
  /** The child's own shutdown grace, so the supervisor waits at least that long before a SIGKILL. */
  readonly shutdownGraceMs: number;
}

/**
 * The child has decided to retire after a task (`--max-tasks-per-child`, `--max-memory-per-child`): it has
 * stopped taking tasks and exits 0 once its last one is acked. The supervisor starts its replacement now.
 */
export interface ChildRecycleMessage {
  readonly type: 'celeriac:recycle';
  readonly reason: string;
  /** Tasks the child ran. */
  readonly tasks: number;
  readonly rssKiB: number;
}

export type ChildMessage = ChildReadyMessage | ChildRecycleMessage;

/** Narrows what arrived on the IPC channel (anything may: user code in the child can `process.send`). */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'celeriac:ready' || type === 'celeriac:recycle';
}
