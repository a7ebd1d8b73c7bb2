import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  chainNextSteps,
  errorCallbacks,
  successCallbacks,
  type FollowUp,
  type FollowUpContext,
} from '../canvas/follow-ups.js';
import { UnsupportedSignatureError } from '../errors/unsupported-signature.error.js';
import type { TaskPublisher } from '../sending/task-publisher.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { PublishError } from '../errors/publish.error.js';
import { errorMessage } from '../errors/error-text.js';
import type { ExceptionInfo } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import type { ChordJoiner } from '../canvas/chord-join.js';

/** Sends a FAILURE for a step that could not be started, to whoever waits on it. */
export type StepFailureReporter = (
  taskId: string,
  replyTo: string,
  exception: ExceptionInfo,
) => Promise<void>;

/**
 * Publishes what a finished task sets in motion (celery-protocol.md §5): the next chain step and the
 * `link` callbacks after a success, the `link_error` callbacks after a failure. Broker failures
 * propagate, so the runner requeues the task rather than losing the rest of a workflow; a step that
 * cannot exist (a chord, an unroutable or invalid one) is reported to its caller and logged instead.
 */
export class FollowUpPublisher {
  private readonly logger = new Logger(FollowUpPublisher.name);

  constructor(
    private readonly publisher: TaskPublisher,
    private readonly origin: string,
    private readonly reportStepFailure: StepFailureReporter,
    /** Null with rpc://, which cannot count chord members. */
    private readonly chords: ChordJoiner | null = null,
  ) {}

  /** Returns the ids of the children published, for the `children` of the SUCCESS result. */
  async afterSuccess(done: TaskMessage, value: unknown): Promise<string[]> {
    // Most tasks set nothing in motion: no context, closures or arrays for them.
    const { chain, callbacks } = done.embed;
    if ((chain === null || chain.length === 0) && (callbacks === null || callbacks.length === 0)) {
      return [];
    }
    const ctx = this.context(done);
    return this.publishAll(done, () => {
      return [...chainNextSteps(done, value, ctx), ...successCallbacks(done, value, ctx)];
    });
  }

  async afterFailure(done: TaskMessage, exception: ExceptionInfo | null = null): Promise<string[]> {
    const children = await this.publishAll(done, () => errorCallbacks(done, this.context(done)));
    if (done.embed.chord !== null) await this.afterChordPart(done, 'FAILURE', null, exception);
    return children;
  }

  /**
   * A chord header member finished and its result is stored: count it, and start the body if it was the
   * last. Without a backend that counts (rpc://) the body cannot run: its caller gets a FAILURE.
   */
  async afterChordPart(
    done: TaskMessage,
    state: 'SUCCESS' | 'FAILURE' | 'REVOKED',
    value: unknown,
    exception: ExceptionInfo | null,
  ): Promise<void> {
    if (this.chords === null) {
      const body = done.embed.chord;
      await this.refuse(
        done,
        new UnsupportedSignatureError(
          'Cannot join a chord: it needs a result backend that counts (resultBackend: redis://), not rpc://',
          typeof body?.options.task_id === 'string' ? body.options.task_id : null,
          typeof body?.options.reply_to === 'string' ? body.options.reply_to : null,
        ),
      );
      return;
    }
    await this.chords.memberDone(done, state, value, exception);
  }

  private async publishAll(done: TaskMessage, build: () => FollowUp[]): Promise<string[]> {
    let followUps: FollowUp[];
    try {
      followUps = build();
    } catch (err: unknown) {
      await this.refuse(done, err);
      return [];
    }
    const children: string[] = [];
    for (const followUp of followUps) {
      try {
        if (followUp.chordSize) await this.prepareChord(done, followUp.chordSize);
        await this.publisher.publish(followUp.message, followUp.route);
        children.push(followUp.message.id);
      } catch (err: unknown) {
        // The broker is in trouble, or we are shutting down: requeue the task rather than lose the step.
        if (err instanceof PublishError || err instanceof IllegalStateError) throw err;
        await this.refuse(done, err, followUp.message.id, followUp.message.replyTo);
      }
    }
    return children;
  }

  /**
   * A chord member was revoked (or expired) and already acked: Celery counts it too, so the chord fails
   * with a ChordError instead of waiting for ever. Logged, not thrown: there is no delivery left to requeue.
   */
  async afterRevokedChordPart(
    done: TaskMessage,
    rejection: { readonly exception: ExceptionInfo },
  ): Promise<void> {
    try {
      await this.afterChordPart(done, 'REVOKED', null, rejection.exception);
    } catch (err: unknown) {
      this.logger.error(
        `Could not count revoked chord member ${done.task}[${done.id}]: ${errorMessage(err)}`,
      );
    }
  }

  /** A chord started by this worker: its size goes to Redis before its first member is published. */
  private async prepareChord(
    done: TaskMessage,
    chord: { readonly groupId: string; readonly size: number },
  ): Promise<void> {
    if (this.chords === null) {
      throw new UnsupportedSignatureError(
        `Cannot start a chord after ${done.task}[${done.id}]: it needs a result backend that counts (resultBackend: redis://), not rpc://`,
        null,
        null,
      );
    }
    await this.chords.prepare(chord.groupId, chord.size);
  }

  private async refuse(
    done: TaskMessage,
    err: unknown,
    taskId: string | null = null,
    replyTo: string | null = null,
  ): Promise<void> {
    const id = err instanceof UnsupportedSignatureError ? err.taskId : taskId;
    const reply = err instanceof UnsupportedSignatureError ? err.replyTo : replyTo;
    this.logger.error(`Cannot start a follow-up of ${done.task}[${done.id}]: ${errorMessage(err)}`);
    if (id && reply) {
      await this.reportStepFailure(id, reply, {
        excType: 'NotImplementedError',
        excModule: 'builtins',
        excMessage: [errorMessage(err)],
      });
    }
  }

  private context(done: TaskMessage): FollowUpContext {
    return {
      rootId: done.rootId,
      parentId: done.id,
      origin: this.origin,
      now: Date.now(),
      newId: randomUUID,
    };
  }
}
