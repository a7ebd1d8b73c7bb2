import { TaskQueueError } from './task-queue.error.js';

/**
 * `DeadLetters.replay()` stopped because the broker did not take a replayed task. The letters replayed
 * before it are gone from the dead-letter queue (their copies were confirmed); this one and the rest
 * are still there, so calling `replay()` again later is safe.
 */
export class DeadLetterReplayError extends TaskQueueError {
  readonly code = 'TASK_QUEUE_DEAD_LETTER_REPLAY';

  constructor(
    readonly queue: string,
    /** How many letters were replayed (and removed) before the failure. */
    readonly replayed: number,
    cause: unknown,
  ) {
    super(
      `Replaying the dead letters of "${queue}" stopped after ${replayed}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. The rest are still in the dead-letter queue.`,
      { cause },
    );
  }
}
