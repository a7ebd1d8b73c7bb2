import type { TaskMessage } from '../message/task-message.js';
import { TASK_LANG } from '../message/task-message.js';
import type { ResolvedBeatEntry } from '../options/beat-options.js';
import { tickId } from './tick-id.js';

/**
 * Headers every tick carries besides the protocol ones: which entry and which scheduled time it is. A
 * handler reads them in `ctx.headers`; the beat reads them back from the tick stream.
 */
export const TICK_HEADERS = {
  entry: 'celeriac_beat_entry',
  scheduledAt: 'celeriac_beat_scheduled_at',
} as const;

/** One tick to send. */
export interface Tick {
  readonly entry: ResolvedBeatEntry;
  /** When it was due (epoch ms): with the entry's name, this makes its task id. */
  readonly scheduledAt: number;
}

/**
 * The task message of a tick: an ordinary protocol-2 message (a Python Celery worker runs it unchanged),
 * with the deterministic id, no reply queue (nobody waits for a tick's result), and an expiry.
 *
 * @param now - when it is sent (epoch ms)
 * @param nextDue - the entry's next due time after `now`, or null: the default expiry
 * @param origin - the sender's node name, `gen<pid>@<host>` as Celery writes it
 */
export function tickMessage(
  tick: Tick,
  now: number,
  nextDue: number | null,
  origin: string,
): TaskMessage {
  const { entry, scheduledAt } = tick;
  const id = tickId(entry.name, scheduledAt);
  const expires =
    entry.expires === 'next-tick'
      ? nextDue === null
        ? null
        : new Date(nextDue)
      : entry.expires === null
        ? null
        : new Date(now + entry.expires * 1000);
  return {
    id,
    task: entry.task,
    args: [...entry.args],
    kwargs: { ...entry.kwargs },
    embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    rootId: id,
    parentId: null,
    groupId: null,
    groupIndex: null,
    shadow: null,
    eta: null,
    expires,
    retries: 0,
    timeLimit: { hard: null, soft: null },
    ignoreResult: false,
    origin,
    lang: TASK_LANG,
    extraHeaders: {
      ...entry.headers,
      [TICK_HEADERS.entry]: entry.name,
      [TICK_HEADERS.scheduledAt]: new Date(scheduledAt).toISOString(),
    },
    correlationId: id,
    replyTo: null,
    priority: entry.priority,
  };
}
