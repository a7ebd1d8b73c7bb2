import {
  celeryDateDone,
  decodeChordEntry,
  decodeGroupMeta,
  decodeResultMeta,
  encodeChordEntry,
  encodeGroupMeta,
  encodeResultMeta,
  type ResultMetaInput,
} from './result-meta.js';

const base: ResultMetaInput = {
  taskId: 'id-1',
  status: 'SUCCESS',
  result: 5,
  exception: null,
  traceback: null,
  children: [],
  groupId: null,
  parentId: null,
  extended: null,
  now: new Date('2026-12-04T22:00:01.234Z'),
};

describe('Celery result meta', () => {
  it("writes Celery's keys in Celery's order, date_done as naive UTC with microseconds", () => {
    expect(encodeResultMeta(base)).toBe(
      '{"status":"SUCCESS","result":5,"traceback":null,"children":[],' +
        '"date_done":"2026-12-04T22:00:01.234000","task_id":"id-1"}',
    );
    expect(celeryDateDone(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02T03:04:05.006000');
  });

  it('writes the exception shape, group and parent ids, extended fields and children', () => {
    const meta = JSON.parse(
      encodeResultMeta({
        ...base,
        status: 'FAILURE',
        exception: { excType: 'ValueError', excModule: 'builtins', excMessage: ['boom'] },
        traceback: 'tb',
        children: ['c1'],
        groupId: 'g',
        parentId: 'p',
        extended: { name: 't', args: [1], kwargs: {}, worker: 'w@h', retries: 2, queue: 'q' },
      }),
    ) as Record<string, unknown>;
    expect(meta).toEqual({
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' },
      traceback: 'tb',
      children: [[['c1', null], null]],
      date_done: '2026-12-04T22:00:01.234000',
      group_id: 'g',
      parent_id: 'p',
      name: 't',
      args: [1],
      kwargs: {},
      worker: 'w@h',
      retries: 2,
      queue: 'q',
      task_id: 'id-1',
    });
  });

  it('leaves date_done null for a state that is not final', () => {
    const meta = JSON.parse(encodeResultMeta({ ...base, status: 'RETRY' })) as {
      date_done: unknown;
    };
    expect(meta.date_done).toBeNull();
  });

  it('reads back what Celery stores, and refuses what is not a result', () => {
    const decoded = decodeResultMeta(
      '{"status": "SUCCESS", "result": 90, "traceback": null, "children": [], "date_done": "2026-12-04T22:00:01.234567", "task_id": "x"}',
    );
    expect(decoded).toMatchObject({
      ok: true,
      result: { taskId: 'x', status: 'SUCCESS', result: 90 },
    });
    expect(decodeResultMeta('[1, 2]').ok).toBe(false);
  });

  it('saves and restores a group as GroupResult.as_tuple()', () => {
    const value = encodeGroupMeta('g', ['a', 'b']);
    expect(JSON.parse(value)).toEqual({
      result: [
        ['g', null],
        [
          [['a', null], null],
          [['b', null], null],
        ],
      ],
    });
    expect(decodeGroupMeta(value)).toEqual(['a', 'b']);
    expect(decodeGroupMeta('{"result": 3}')).toBeNull();
    expect(decodeGroupMeta('not json')).toBeNull();
  });

  it("encodes a chord entry as Celery's [1, id, state, result] and reads Celery's back", () => {
    expect(encodeChordEntry('m', 'SUCCESS', 4, null)).toBe('[1,"m","SUCCESS",4]');
    expect(decodeChordEntry('[1, "m", "FAILURE", {"exc_type": "KeyError"}]')).toEqual({
      taskId: 'm',
      state: 'FAILURE',
      result: { exc_type: 'KeyError' },
    });
    expect(decodeChordEntry('[1, "m"]')).toBeNull();
  });
});
