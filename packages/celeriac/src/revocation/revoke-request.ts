/**
 * Checks what `TaskClient.revoke()` was given and builds the record it publishes. Pure; arguments are
 * checked at run time too, since ids often come from HTTP bodies whatever their TypeScript type says.
 */
import { describeValue } from '../errors/describe-value.js';
import { InvalidRevokeError } from '../errors/invalid-revoke.error.js';
import type { RevokeRecord } from './revocation-record.js';

/** Options of `TaskClient.revoke()`. */
export interface RevokeOptions {
  /**
   * Also stop the task if a worker is running it: its `ctx.signal` aborts with a `TaskRevokedError`
   * (reason `terminated`), and the caller gets REVOKED once the handler settles (or after
   * `revocation.terminateGraceMs` if it ignores the signal). Without it, a running task finishes.
   * @defaultValue `false`
   */
  readonly terminate?: boolean;
  /** Why, for logs and dead letters (at most 1 024 characters); the caller still sees `revoked`. */
  readonly reason?: string;
}

/** Most ids one call may revoke: each worker keeps at most `revocation.maxIds` anyway. */
export const MAX_REVOKE_IDS = 10_000;
/** Longest task id accepted (Celery's are 36-character uuids; AMQP short strings stop at 255 bytes). */
export const MAX_TASK_ID_LENGTH = 255;
/** Longest `reason` accepted. */
export const MAX_REASON_LENGTH = 1_024;

const OPTION_KEYS: readonly string[] = ['terminate', 'reason'] satisfies (keyof RevokeOptions)[];

/**
 * @param taskIds - one id or a list; duplicates are dropped, order kept
 * @throws InvalidRevokeError naming the first bad argument
 */
export function buildRevokeRecord(
  taskIds: unknown,
  options: unknown,
  at: number,
  origin: string,
): RevokeRecord {
  const ids = checkIds(taskIds);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidRevokeError('options', `must be an object, got ${describeValue(options)}`);
  }
  const given = options as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(given)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new InvalidRevokeError(
        key,
        `is not a revoke option (known: ${OPTION_KEYS.join(', ')})`,
      );
    }
  }
  const terminate = given['terminate'] ?? false;
  if (typeof terminate !== 'boolean') {
    throw new InvalidRevokeError(
      'terminate',
      `must be true or false, got ${describeValue(terminate)}`,
    );
  }
  const reason = given['reason'] ?? null;
  if (reason !== null && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) {
    throw new InvalidRevokeError(
      'reason',
      `must be a string of at most ${MAX_REASON_LENGTH} characters, got ${describeValue(reason)}`,
    );
  }
  return { kind: 'revoke', ids, terminate, reason, at, origin };
}

function checkIds(taskIds: unknown): string[] {
  const list: readonly unknown[] = Array.isArray(taskIds) ? taskIds : [taskIds];
  if (list.length === 0) throw new InvalidRevokeError('taskIds', 'must name at least one task id');
  if (list.length > MAX_REVOKE_IDS) {
    throw new InvalidRevokeError(
      'taskIds',
      `names ${list.length} ids; revoke at most ${MAX_REVOKE_IDS} per call`,
    );
  }
  const ids = new Set<string>();
  list.forEach((id, i) => {
    if (typeof id !== 'string' || id === '' || id.length > MAX_TASK_ID_LENGTH) {
      const field = Array.isArray(taskIds) ? `taskIds[${i}]` : 'taskIds';
      throw new InvalidRevokeError(
        field,
        `must be a task id (a non-empty string of at most ${MAX_TASK_ID_LENGTH} characters), got ${describeValue(id)}`,
      );
    }
    ids.add(id);
  });
  return [...ids];
}
