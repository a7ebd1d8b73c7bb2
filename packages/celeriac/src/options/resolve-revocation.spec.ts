import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveRevocation } from './resolve-revocation.js';

describe('resolveRevocation', () => {
  it("applies Celery's defaults: 3 h retention, 50 000 ids", () => {
    expect(resolveRevocation({})).toEqual({
      retentionMs: 10_800_000,
      stream: 'celeriac.revoked',
      maxIds: 50_000,
      terminateGraceMs: 5_000,
    });
  });

  it('keeps given values', () => {
    expect(
      resolveRevocation({
        retentionMs: 60_000,
        stream: 'app.revoked',
        maxIds: 10,
        terminateGraceMs: 0,
      }),
    ).toEqual({ retentionMs: 60_000, stream: 'app.revoked', maxIds: 10, terminateGraceMs: 0 });
  });

  it.each([
    ['not an object', 'yes', 'revocation', /an object of revocation options/],
    ['a retention under a second', { retentionMs: 999 }, 'revocation.retentionMs', /from 1000/],
    [
      'a retention over 30 days',
      { retentionMs: 30 * 86_400_000 + 1 },
      'revocation.retentionMs',
      /to 2592000000/,
    ],
    ['a reserved stream name', { stream: 'amq.revoked' }, 'revocation.stream', /amq\./],
    ['no room for ids', { maxIds: 0 }, 'revocation.maxIds', /from 1/],
    ['a negative grace', { terminateGraceMs: -1 }, 'revocation.terminateGraceMs', /got -1/],
    ['a typo', { retention: 1_000 }, 'revocation.retention', /did you mean "retentionMs"/],
  ])('refuses %s, naming the field', (_, value, field, problem) => {
    let caught: unknown;
    try {
      resolveRevocation(value);
    } catch (err: unknown) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).field).toBe(field);
    expect((caught as InvalidOptionsError).message).toMatch(problem);
  });
});
