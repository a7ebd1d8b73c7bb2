import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { encodeChordEntry, type ChordEntry } from '../message/result-meta.js';
import { exceptionFromWire } from '../message/exception-info.js';
import { pythonRepr } from '../message/python-repr.js';
import type { ExceptionInfo, TaskState } from '../message/result-message.js';
import type { SignatureWire, TaskMessage } from '../message/task-message.js';
import type { RedisResultStore } from '../results/redis-result-store.js';
import { expand, fromSignature, type FollowUp, type FollowUpContext } from './follow-ups.js';

/** States whose member fails the chord (Celery's PROPAGATE_STATES). */
const PROPAGATE: ReadonlySet<string> = new Set(['FAILURE', 'REVOKED']);

/** Either every member's value in header order, or the ChordError the body fails with. */
export type ChordOutcome =
  | { readonly ok: true; readonly values: unknown[] }
  | { readonly ok: false; readonly error: ExceptionInfo };

/**
 * What the body gets, as Celery's `_unpack_chord_result` decides: the values in header order, or, for the
 * first member (in header order) that failed or was revoked, `ChordError("Dependency <id> raised <repr>")`.
 */
export function chordOutcome(entries: readonly ChordEntry[]): ChordOutcome {
  const values: unknown[] = [];
  for (const entry of entries) {
    if (PROPAGATE.has(entry.state)) {
      return {
        ok: false,
        error: chordError(`Dependency ${entry.taskId} raised ${reprOf(entry.result)}`),
      };
    }
    values.push(entry.result);
  }
  return { ok: true, values };
}

/** `celery.exceptions.ChordError`, as a Python client's `get()` re-raises it. */
export function chordError(message: string): ExceptionInfo {
  return { excType: 'ChordError', excModule: 'celery.exceptions', excMessage: [message] };
}

/** Python's repr of the member's exception, e.g. `ValueError('boom')`. */
function reprOf(result: unknown): string {
  const exc = exceptionFromWire(result);
  if (exc === null) return pythonRepr(result);
  return `${exc.excType}(${exc.excMessage.map((arg) => pythonRepr(arg)).join(', ')})`;
}

/** Where the joiner stores the body's ChordError and publishes the body or its errbacks. */
export interface ChordWiring {
  readonly store: Pick<RedisResultStore, 'joinChordPart' | 'clearChord' | 'save' | 'setChordSize'>;
  readonly publish: (followUp: FollowUp) => Promise<void>;
  readonly origin: string;
}

/**
 * Joins chord header members on the Redis backend, in Celery's keys, so Python and Celeriac members of one
 * header count together. The worker that counts the last member starts the body with the header's results
 * in order; when a member failed, the body is stored as FAILURE with a ChordError and its `link_error`
 * callbacks run with the body's id. Each member id is counted once (see `RedisResultStore.joinChordPart`).
 */
export class ChordJoiner {
  private readonly logger = new Logger(ChordJoiner.name);

  constructor(private readonly wiring: ChordWiring) {}

  /** Stores a chord's header size (Celery's `set_chord_size`), before its first member is published. */
  prepare(groupId: string, size: number): Promise<void> {
    return this.wiring.store.setChordSize(groupId, size);
  }

  /** Called after a member's result was stored (any final state), before its ack. */
  async memberDone(
    done: TaskMessage,
    state: TaskState,
    value: unknown,
    exception: ExceptionInfo | null,
  ): Promise<void> {
    const body = done.embed.chord;
    const groupId = done.groupId;
    if (body === null || groupId === null) return;
    const entry = encodeChordEntry(done.id, state, value, exception);
    const progress = await this.wiring.store.joinChordPart(
      groupId,
      done.id,
      done.groupIndex,
      entry,
    );
    if (progress.state !== 'complete') return;
    const outcome = chordOutcome(progress.entries);
    const ctx: FollowUpContext = {
      rootId: done.rootId,
      parentId: done.id,
      origin: this.wiring.origin,
      now: Date.now(),
      newId: randomUUID,
    };
    if (outcome.ok) {
      await this.wiring.publish(
        fromSignature(body, [outcome.values], ctx, { chain: null, groupId: null }),
      );
    } else {
      await this.failBody(body, outcome.error, ctx);
    }
    // After the body went out: a crash before this line lets a redelivered member start it again.
    await this.wiring.store.clearChord(groupId);
  }

  private async failBody(
    body: SignatureWire,
    error: ExceptionInfo,
    ctx: FollowUpContext,
  ): Promise<void> {
    const bodyId = typeof body.options.task_id === 'string' ? body.options.task_id : null;
    this.logger.error(
      `Chord body ${body.task}[${bodyId ?? '?'}] fails: ${String(error.excMessage[0])}`,
    );
    if (bodyId === null) return;
    // Python sends one errback as a bare signature, several as a list.
    const linkError: unknown = body.options.link_error ?? [];
    const errbacks: unknown[] = Array.isArray(linkError) ? linkError : [linkError];
    const groupId = ctx.newId();
    for (const errback of errbacks) {
      for (const followUp of expand(errback, [bodyId], ctx, groupId))
        await this.wiring.publish(followUp);
    }
    await this.wiring.store.save({
      taskId: bodyId,
      status: 'FAILURE',
      result: null,
      exception: error,
      traceback: null,
      children: [],
      groupId: null,
      parentId: null,
      extended: null,
      now: new Date(),
    });
  }
}
