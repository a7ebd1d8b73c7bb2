import { linkedSignatures, toWireSignature, type TaskSignature } from '../canvas/task-signature.js';
import { isChordSignature, toWireChord, type ChordSignature } from '../canvas/chord-signature.js';
import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import type { AsyncResult } from '../results/async-result.js';
import type { ResultBackend } from '../results/result-backend.js';
import type { TaskSender } from './task-sender.js';

/** A chord may only end a chain (as Celery's worker-side chord start allows), and needs Redis. */
function checkChordSteps(
  steps: readonly (TaskSignature | ChordSignature)[],
  results: ResultBackend,
): void {
  const at = steps.findIndex(isChordSignature);
  if (at === -1) return;
  if (at === 0)
    throw new InvalidSendOptionsError('chain', 'cannot start with a chord: send it with chord()');
  if (at !== steps.length - 1)
    throw new InvalidSendOptionsError('chain', 'a chord can only be the last step');
  if (results.kind !== 'redis') {
    throw new InvalidSendOptionsError(
      'chain',
      "a chord step needs the Redis result backend (resultBackend: 'redis://…')",
    );
  }
}

/**
 * `TaskClient.chain()`: the first step is published with the others inside its message, reversed as
 * Celery carries them; every step's handle is tracked first, each one's `.parent` the step before.
 */
export async function sendChain<R>(
  sender: TaskSender,
  backend: ResultBackend,
  steps: readonly (TaskSignature | ChordSignature)[],
): Promise<AsyncResult<R>> {
  checkChordSteps(steps, backend);
  const [first, ...rest] = steps;
  // (A chord first was refused by checkChordSteps; the test narrows the type.)
  if (!first || isChordSignature(first))
    throw new InvalidSendOptionsError('chain', 'needs at least one signature');
  // A chord's own result, options and callbacks are its body's.
  const results = steps.map((s) => (isChordSignature(s) ? s.body : s));
  const replyTo = await sender.replyQueueFor(results);
  const now = Date.now();
  const handles = results.map((s) => backend.track(s.id));
  handles.forEach((handle, i) => {
    const previous = handles[i - 1];
    if (previous) handle.setParent(previous);
  });
  for (const s of results.flatMap(linkedSignatures)) backend.track(s.id);
  const chain = rest
    .map((s) =>
      isChordSignature(s) ? toWireChord(s, replyTo, now) : toWireSignature(s, replyTo, now),
    )
    .reverse();
  try {
    await sender.sendOne(
      first.task,
      first.args,
      first.kwargs,
      { ...first.options, taskId: first.id },
      { chain },
    );
  } catch (err: unknown) {
    for (const s of steps) backend.untrack(s.id);
    throw err;
  }
  return handles[handles.length - 1] as AsyncResult<R>;
}
