import { hasErrorCode } from '../errors/task-queue.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveOptions } from '../options/resolve-options.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { DeadLetters } from './dead-letters.service.js';

describe('DeadLetters arguments', () => {
  // No broker: a bad argument is refused before any connection is opened.
  const options = resolveOptions({}, { hostname: 'box' });
  const deadLetters = new DeadLetters(new TaskQueueRuntime(options), options);

  it('refuses a bad limit with a classed error naming it', async () => {
    for (const call of [
      () => deadLetters.list('celery', { limit: 0 }),
      () => deadLetters.replay('celery', { limit: 1.5 }),
    ]) {
      const err: unknown = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionsError);
      expect(hasErrorCode(err, 'TASK_QUEUE_INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toContain('"limit"');
    }
  });
});
