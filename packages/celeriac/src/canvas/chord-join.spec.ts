import { chordOutcome } from './chord-join.js';

describe('chordOutcome', () => {
  it('gives the values in the order of the entries', () => {
    expect(
      chordOutcome([
        { taskId: 'a', state: 'SUCCESS', result: 0 },
        { taskId: 'b', state: 'SUCCESS', result: [1, 2] },
      ]),
    ).toEqual({ ok: true, values: [0, [1, 2]] });
  });

  it("fails with Celery's ChordError naming the first failed member and its exception's repr", () => {
    expect(
      chordOutcome([
        { taskId: 'a', state: 'SUCCESS', result: 1 },
        {
          taskId: 'b',
          state: 'FAILURE',
          result: { exc_type: 'ValueError', exc_message: ["it's bad", 2], exc_module: 'builtins' },
        },
        {
          taskId: 'c',
          state: 'REVOKED',
          result: { exc_type: 'TaskRevokedError', exc_message: [] },
        },
      ]),
    ).toEqual({
      ok: false,
      error: {
        excType: 'ChordError',
        excModule: 'celery.exceptions',
        excMessage: [`Dependency b raised ValueError("it's bad", 2)`],
      },
    });
  });
});
