import { toWireSignature, type TaskSignature } from '../canvas/task-signature.js';
import {
  TASK_LANG,
  type SignatureWire,
  type TaskEmbedWire,
  type TaskMessage,
} from '../message/task-message.js';
import type { ResolvedSendOptions } from '../sending/send-options.js';

/** A send between its options being checked and its message being built. */
export interface Outgoing {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly lineage: Lineage;
  readonly resolved: ResolvedSendOptions;
  readonly callbacks: readonly TaskSignature[];
  readonly errbacks: readonly TaskSignature[];
}

/** Where a message sits in a workflow. */
export interface Lineage {
  readonly rootId?: string;
  readonly groupId?: string;
  /** Position in a chord header (Celery sets it for chord members only). */
  readonly groupIndex?: number;
  readonly chain?: SignatureWire[];
  /** The chord body, carried by every header member. */
  readonly chord?: SignatureWire;
}

/**
 * The task message a send publishes, as Celery's `send_task` builds it: a root of its own unless it is a
 * workflow step, its callbacks and errbacks as wire signatures answering on `replyTo`, and a reply queue
 * only when its result is wanted.
 *
 * @param id the task id (the caller's `taskId`, or a fresh UUID)
 * @param origin `gen<pid>@<host>` of this process
 * @param now epoch milliseconds, from which the signatures' relative `expires` count
 */
export function outgoingTaskMessage(
  outgoing: Outgoing,
  id: string,
  replyTo: string | null,
  origin: string,
  now: number,
): TaskMessage {
  const { name, args, kwargs, lineage, resolved, callbacks, errbacks } = outgoing;
  const embed: TaskEmbedWire = {
    callbacks: callbacks.length > 0 ? callbacks.map((s) => toWireSignature(s, replyTo, now)) : null,
    errbacks: errbacks.length > 0 ? errbacks.map((s) => toWireSignature(s, replyTo, now)) : null,
    chain: lineage.chain ?? null,
    chord: lineage.chord ?? null,
  };
  return {
    id,
    task: name,
    args: [...args],
    kwargs: { ...kwargs },
    embed,
    rootId: lineage.rootId ?? id,
    parentId: null,
    groupId: lineage.groupId ?? null,
    groupIndex: lineage.groupIndex ?? null,
    shadow: resolved.shadow,
    eta: resolved.eta,
    expires: resolved.expires,
    retries: 0,
    timeLimit: resolved.timeLimit,
    ignoreResult: resolved.ignoreResult,
    origin,
    lang: TASK_LANG,
    extraHeaders: resolved.headers,
    correlationId: id,
    replyTo: resolved.ignoreResult ? null : replyTo,
    priority: resolved.priority,
  };
}
