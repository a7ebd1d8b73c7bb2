import { GROUP_META_PREFIX, TASK_META_PREFIX } from '../message/result-meta.js';

/** `celery-task-meta-<id>`: a task's result, and the pub/sub channel Celery's waiters listen on. */
export function taskKey(taskId: string): string {
  return TASK_META_PREFIX + taskId;
}

/** `celery-taskset-meta-<id>`: a saved group. */
export function groupKey(groupId: string): string {
  return GROUP_META_PREFIX + groupId;
}

/**
 * A chord's join keys, as Celery's Redis backend names them, plus one of ours:
 * - `.j` the finished members (a sorted set scored by `group_index`, Celery's `result_chord_ordered`);
 * - `.t` extra members added later (Celery's `add_to_chord`);
 * - `.s` the header size, set by whoever sends the chord;
 * - `.d` the ids of the members already counted, so a redelivered member is not counted twice.
 */
export interface ChordKeys {
  readonly joined: string;
  readonly added: string;
  readonly size: string;
  readonly done: string;
}

export function chordKeys(groupId: string): ChordKeys {
  const base = groupKey(groupId);
  return { joined: `${base}.j`, added: `${base}.t`, size: `${base}.s`, done: `${base}.d` };
}
