import { checkQueueName } from './amqp-names.js';
import { checkKnownKeys } from './known-keys.js';
import { checkInteger, checkPlainObject } from './option-checks.js';
import { MAX_TIMER_MS } from './resolve-worker.js';
import {
  type ResolvedRevocationOptions,
  type RevocationOptions,
  TASK_QUEUE_DEFAULTS,
} from './task-queue-options.js';

const REVOCATION_KEYS = {
  retentionMs: true,
  stream: true,
  maxIds: true,
  terminateGraceMs: true,
} as const satisfies Record<keyof RevocationOptions, true>;

/** A second: the stream's `x-max-age` is in whole seconds. */
const MIN_RETENTION_MS = 1_000;
/** Thirty days: revocations are a safety net, not an archive, and workers read the window back at start. */
const MAX_RETENTION_MS = 30 * 86_400_000;
/** A sanity ceiling for the in-memory set (about 100 bytes an id). */
const MAX_REVOKED_IDS = 10_000_000;

/**
 * Checks the `revocation` option and applies its defaults.
 *
 * @param value - `revocation` after its default (`{}`) was applied
 * @throws InvalidOptionsError naming the field, e.g. `revocation.retentionMs`
 */
export function resolveRevocation(value: unknown): ResolvedRevocationOptions {
  const input = checkPlainObject('revocation', value, 'an object of revocation options');
  checkKnownKeys('revocation', input, Object.keys(REVOCATION_KEYS));
  return Object.freeze({
    retentionMs: checkInteger(
      'revocation.retentionMs',
      input['retentionMs'] ?? TASK_QUEUE_DEFAULTS.revocationRetentionMs,
      MIN_RETENTION_MS,
      MAX_RETENTION_MS,
    ),
    stream: checkQueueName(
      'revocation.stream',
      input['stream'] ?? TASK_QUEUE_DEFAULTS.revocationStream,
    ),
    maxIds: checkInteger(
      'revocation.maxIds',
      input['maxIds'] ?? TASK_QUEUE_DEFAULTS.revocationMaxIds,
      1,
      MAX_REVOKED_IDS,
    ),
    terminateGraceMs: checkInteger(
      'revocation.terminateGraceMs',
      input['terminateGraceMs'] ?? TASK_QUEUE_DEFAULTS.terminateGraceMs,
      0,
      MAX_TIMER_MS,
    ),
  });
}
