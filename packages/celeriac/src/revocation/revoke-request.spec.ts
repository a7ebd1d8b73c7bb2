import { InvalidRevokeError } from '../errors/invalid-revoke.error.js';
import { buildRevokeRecord, MAX_REVOKE_IDS } from './revoke-request.js';

const AT = 1_700_000_000_000;

function refusal(ids: unknown, options: unknown = {}): InvalidRevokeError {
  try {
    buildRevokeRecord(ids, options, AT, 'gen1@host');
  } catch (err: unknown) {
    if (err instanceof InvalidRevokeError) return err;
    throw err;
  }
  throw new Error('buildRevokeRecord did not throw');
}

describe('buildRevokeRecord', () => {
  it('takes one id, with the defaults', () => {
    expect(buildRevokeRecord('a', {}, AT, 'gen1@host')).toEqual({
      kind: 'revoke',
      ids: ['a'],
      terminate: false,
      reason: null,
      at: AT,
      origin: 'gen1@host',
    });
  });

  it('takes a list, dropping duplicates in order, with terminate and a reason', () => {
    expect(
      buildRevokeRecord(['b', 'a', 'b'], { terminate: true, reason: 'oops' }, AT, 'o'),
    ).toMatchObject({ ids: ['b', 'a'], terminate: true, reason: 'oops' });
  });

  it.each([
    ['no ids', [], {}, 'taskIds', /at least one/],
    ['an empty id', '', {}, 'taskIds', /non-empty string/],
    ['a number in the list', ['a', 7], {}, 'taskIds[1]', /got 7/],
    [
      'too many ids',
      Array.from({ length: MAX_REVOKE_IDS + 1 }, (_, i) => `${i}`),
      {},
      'taskIds',
      /at most 10000/,
    ],
    ['an id of 256 characters', 'x'.repeat(256), {}, 'taskIds', /at most 255/],
    ['a string terminate', 'a', { terminate: 'yes' }, 'terminate', /true or false, got "yes"/],
    ['a reason that is not a string', 'a', { reason: 42 }, 'reason', /got 42/],
    ['a reason too long', 'a', { reason: 'r'.repeat(1_025) }, 'reason', /at most 1024/],
    ['an unknown option', 'a', { terminated: true }, 'terminated', /not a revoke option/],
    ['options that are not an object', 'a', 'terminate', 'options', /must be an object/],
  ])('refuses %s, naming the argument', (_, ids, options, field, problem) => {
    const err = refusal(ids, options);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(problem);
    expect(err.code).toBe('TASK_QUEUE_INVALID_REVOKE');
  });
});
