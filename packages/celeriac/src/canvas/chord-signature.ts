import { randomUUID } from 'node:crypto';
import type { SignatureWire } from '../message/task-message.js';
import { toWireSignature, type TaskSignature } from './task-signature.js';

/**
 * A chord not sent yet, as a step of a chain (Celery's `chain(a, chord(header, body))`): the worker that
 * finishes the step before it starts the header, each member with that step's result in front of its args.
 * Its `id` is the body's, so `client.result(chordSig)` is the chord's result. Needs the Redis backend.
 */
export interface ChordSignature<R = unknown> {
  readonly kind: 'chord';
  /** The body's task id: the chord's result. */
  readonly id: string;
  /** The header's group id, fixed now as Celery's `freeze()` does. */
  readonly groupId: string;
  readonly header: readonly TaskSignature[];
  readonly body: TaskSignature<R>;
  /** Phantom: the result type. */
  readonly __result?: R;
}

/**
 * Creates a chord signature for a chain step.
 *
 * @example
 * const total = await client.chain([signature('tasks.add', [1, 1]), chordSignature([signature('tasks.add', [0]), signature('tasks.add', [1])], signature('tasks.tsum'))]);
 * await total.get(); // tsum([2, 3]) = 5
 */
export function chordSignature<R>(
  header: readonly TaskSignature[],
  body: TaskSignature<R>,
): ChordSignature<R> {
  return Object.freeze({
    kind: 'chord',
    id: body.id,
    groupId: randomUUID(),
    header: [...header],
    body,
  });
}

export function isChordSignature(value: object): value is ChordSignature {
  return (value as { kind?: unknown }).kind === 'chord';
}

/**
 * The chord as Celery 5.2 writes it inside `embed.chain`: a `celery.chord` signature whose `kwargs.header`
 * is a `celery.group` of the members (each carrying the body and its `group_index`) and `kwargs.body` the
 * body, both frozen with this client's ids and reply queue.
 */
export function toWireChord(
  sig: ChordSignature,
  replyTo: string | null,
  now: number,
): SignatureWire {
  const body = toWireSignature(sig.body, replyTo, now);
  const members = sig.header.map((member, groupIndex) => {
    const wire = toWireSignature(member, replyTo, now);
    return { ...wire, options: { ...wire.options, chord: body, group_index: groupIndex } };
  });
  return {
    task: 'celery.chord',
    args: [],
    kwargs: {
      kwargs: {},
      header: {
        task: 'celery.group',
        args: [],
        kwargs: { tasks: members },
        options: { task_id: sig.groupId, chord: body },
        subtask_type: 'group',
        immutable: false,
      },
      body,
    },
    options: { task_id: sig.groupId },
    subtask_type: 'chord',
    immutable: false,
  };
}
