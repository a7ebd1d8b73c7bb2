import type { IncomingMessage, IncomingProperties } from './amqp-message.js';
import {
  asRecord,
  fixtureNames,
  indexedFixtureNames,
  loadFixture,
  toIncomingMessage,
  type CeleryFixture,
} from '../../spec-support/celery-fixtures.js';
import { decodeTask, type DecodeFailure, type DecodeResult } from './decode-task.js';
import { PROTOCOL_HEADERS } from './protocol-headers.js';
import type { TaskMessage } from './task-message.js';

const TASK_FIXTURES = fixtureNames('task_');

function decodeOk(delivery: IncomingMessage): TaskMessage {
  const result = decodeTask(delivery);
  if (!result.ok) {
    throw new Error(`expected a task, got ${result.reason}: ${result.detail}`);
  }
  return result.message;
}

function decodeFixture(name: string): { fixture: CeleryFixture; message: TaskMessage } {
  const fixture = loadFixture(name);
  return { fixture, message: decodeOk(toIncomingMessage(fixture)) };
}

/** `2026-11-26T20:33:56.338961+00:00` → the instant with milliseconds, computed without our parser. */
function expectedInstant(iso: unknown): number | null {
  if (iso === null) {
    return null;
  }
  if (typeof iso !== 'string') {
    throw new TypeError('date header is neither null nor a string');
  }
  expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  return Date.parse(`${iso.slice(0, 23)}Z`);
}

describe('decodeTask on every captured Celery 5.2.6 task message', () => {
  it('covers every task fixture listed in index.json', () => {
    expect(TASK_FIXTURES).not.toHaveLength(0);
    expect(TASK_FIXTURES).toEqual(indexedFixtureNames('task_'));
  });

  it.each(TASK_FIXTURES)(
    '%s decodes to the values in its own headers, properties and body',
    (name) => {
      const { fixture, message } = decodeFixture(name);
      const h = fixture.headers;
      const p = fixture.properties;
      const [args, kwargs, embed] = fixture.body as [unknown, unknown, unknown];

      expect(message.id).toBe(h['id']);
      expect(message.task).toBe(h['task']);
      expect(message.lang).toBe('py');
      expect(message.rootId).toBe(h['root_id']);
      expect(message.parentId).toBe(h['parent_id']);
      expect(message.groupId).toBe(h['group']);
      expect(message.groupIndex).toBe(h['group_index']);
      expect(message.shadow).toBe(h['shadow']);
      expect(message.retries).toBe(h['retries']);
      expect([message.timeLimit.hard, message.timeLimit.soft]).toEqual(h['timelimit']);
      expect(message.ignoreResult).toBe(h['ignore_result']);
      expect(message.origin).toBe(h['origin']);
      expect(message.eta?.getTime() ?? null).toBe(expectedInstant(h['eta']));
      expect(message.expires?.getTime() ?? null).toBe(expectedInstant(h['expires']));

      const extra = Object.fromEntries(
        Object.entries(h).filter(([key]) => !(PROTOCOL_HEADERS as readonly string[]).includes(key)),
      );
      expect(message.extraHeaders).toEqual(extra);

      expect(message.args).toEqual(args);
      expect(message.kwargs).toEqual(kwargs);
      expect(message.embed).toEqual(embed);

      expect(message.correlationId).toBe(p['correlation_id']);
      expect(message.replyTo).toBe(p['reply_to']);
      expect(message.priority).toBe(p['priority'] ?? null);
    },
  );

  it('task_plain: a top-level task is its own root, with the four-null embed', () => {
    const { fixture, message } = decodeFixture('task_plain');
    expect(message).toMatchObject({
      task: 'tasks.add',
      args: [2, 3],
      kwargs: {},
      rootId: fixture.headers['id'],
      parentId: null,
      retries: 0,
      priority: 0,
      timeLimit: { hard: null, soft: null },
      embed: { callbacks: null, errbacks: null, chain: null, chord: null },
      extraHeaders: {},
    });
  });

  it('task_kwargs_unicode: \\u escapes, astral characters, floats, null and booleans come through', () => {
    const { message } = decodeFixture('task_kwargs_unicode');
    expect(message.kwargs).toEqual({
      value: { text: 'héllo ✓ 日本 😀', list: [1, 2.5, null, true, false], nested: { empty: [] } },
    });
  });

  it('task_time_limits: timelimit is [hard, soft]', () => {
    expect(decodeFixture('task_time_limits').message.timeLimit).toEqual({ hard: 30, soft: 10 });
  });

  it('task_countdown / task_eta: eta is an absolute UTC instant', () => {
    expect(decodeFixture('task_eta').message.eta?.toISOString()).toBe('2030-01-02T03:04:05.678Z');
    expect(decodeFixture('task_countdown').message.eta?.toISOString()).toBe(
      '2026-11-26T20:33:56.338Z',
    );
  });

  it('task_expires / task_expires_past: expires is read from the header', () => {
    expect(decodeFixture('task_expires').message.expires?.toISOString()).toBe(
      '2026-11-26T20:34:46.346Z',
    );
    expect(decodeFixture('task_expires_past').message.expires?.toISOString()).toBe(
      '2026-11-26T20:32:46.303Z',
    );
  });

  it('task_priority, task_shadow, task_ignore_result, task_custom_headers', () => {
    expect(decodeFixture('task_priority').message.priority).toBe(7);
    expect(decodeFixture('task_shadow').message.shadow).toBe('interop.shadow');
    const ignored = decodeFixture('task_ignore_result');
    expect(ignored.message.ignoreResult).toBe(true);
    expect(ignored.message.replyTo).toBe(ignored.fixture.properties['reply_to']);
    expect(decodeFixture('task_custom_headers').message.extraHeaders).toEqual({
      'x-tenant': 'acme',
      'x-attempt': 3,
    });
  });

  it('task_group_member_* and task_chord_header_*: group id and index', () => {
    const members = [0, 1, 2].map((i) => decodeFixture(`task_group_member_${i}`).message);
    expect(new Set(members.map((m) => m.groupId)).size).toBe(1);
    expect(members[0]?.groupId).toMatch(/^[0-9a-f-]{36}$/);
    expect(members.map((m) => m.groupIndex)).toEqual([null, null, null]);

    const header = [0, 1].map((i) => decodeFixture(`task_chord_header_${i}`).message);
    expect(header.map((m) => m.groupIndex)).toEqual([0, 1]);
    expect(header[0]?.embed.chord?.task).toBe('tasks.echo');
    expect(header[0]?.embed.chord?.options.task_id).toBe(header[1]?.embed.chord?.options.task_id);
  });

  it('task_chain_first: the remaining steps in reverse order, each with task_id and reply_to', () => {
    const { fixture, message } = decodeFixture('task_chain_first');
    const chain = message.embed.chain ?? [];
    expect(chain.map((s) => s.args)).toEqual([[100], [10]]);
    for (const step of chain) {
      expect(step.options.reply_to).toBe(fixture.properties['reply_to']);
      expect(step.options.task_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(step.subtask_type).toBeNull();
      expect(step.immutable).toBe(false);
    }
  });

  it('task_link / task_link_error: callbacks and errbacks hold signatures', () => {
    expect(decodeFixture('task_link').message.embed.callbacks).toEqual([
      {
        task: 'tasks.echo',
        args: [],
        kwargs: {},
        options: {},
        subtask_type: null,
        immutable: false,
      },
    ]);
    expect(decodeFixture('task_link_error').message.embed.errbacks?.[0]?.task).toBe('tasks.echo');
  });

  it('worker-published follow-ups: no priority property, parent_id set, empty chain list kept', () => {
    const next = decodeFixture('task_chain_next_by_worker');
    expect(next.message.priority).toBeNull();
    expect(next.message.parentId).toBe(next.fixture.headers['parent_id']);
    expect(next.message.rootId).not.toBe(next.message.id);
    expect(next.message.embed.chain).toEqual([]);

    const retry = decodeFixture('task_retry_republished');
    expect(retry.message.retries).toBe(1);
    expect(retry.message.parentId).toBe(retry.message.id);
    expect(retry.message.eta).toBeInstanceOf(Date);
  });
});

describe('decodeTask normalization', () => {
  const base = toIncomingMessage(loadFixture('task_plain'));
  const baseHeaders = asRecord(base.properties.headers);

  function variant(
    headers: Record<string, unknown> = {},
    body: string = base.content.toString('utf8'),
    properties: Partial<IncomingProperties> = {},
  ): IncomingMessage {
    return {
      ...base,
      content: Buffer.from(body, 'utf8'),
      properties: { ...base.properties, ...properties, headers: { ...baseHeaders, ...headers } },
    };
  }

  it('turns embed null into the four-null object', () => {
    expect(decodeOk(variant({}, '[[1], {}, null]')).embed).toEqual({
      callbacks: null,
      errbacks: null,
      chain: null,
      chord: null,
    });
  });

  it('reads typed { "!": ..., value } header values as well as plain numbers', () => {
    const message = decodeOk(
      variant({
        retries: { '!': 'int32', value: 2 },
        group_index: { '!': 'int32', value: 4 },
        timelimit: [{ '!': 'int32', value: 300 }, 60],
      }),
    );
    expect(message.retries).toBe(2);
    expect(message.groupIndex).toBe(4);
    expect(message.timeLimit).toEqual({ hard: 300, soft: 60 });
  });

  it('treats an empty reply_to as none and defaults correlationId to the id', () => {
    const message = decodeOk(variant({}, undefined, { replyTo: '', correlationId: undefined }));
    expect(message.replyTo).toBeNull();
    expect(message.correlationId).toBe(baseHeaders['id']);
  });

  it('fills Celery defaults for absent optional headers', () => {
    const message = decodeOk({
      ...base,
      properties: { ...base.properties, headers: { task: 'tasks.add', id: 'abc' } },
    });
    expect(message).toMatchObject({
      id: 'abc',
      rootId: 'abc',
      retries: 0,
      ignoreResult: false,
      lang: null,
      origin: null,
      timeLimit: { hard: null, soft: null },
    });
  });

  it('accepts newer Celery headers (stamps, replaced_task_nesting) as extra headers', () => {
    const message = decodeOk(
      variant({ stamped_headers: null, stamps: {}, replaced_task_nesting: 0 }),
    );
    expect(message.extraHeaders).toEqual({
      stamped_headers: null,
      stamps: {},
      replaced_task_nesting: 0,
    });
  });

  it('accepts a content type with parameters', () => {
    expect(
      decodeTask(variant({}, undefined, { contentType: 'application/json; charset=utf-8' })).ok,
    ).toBe(true);
  });
});

describe('decodeTask failures (never throws, keeps what identifies the task)', () => {
  const fixture = loadFixture('task_plain');
  const base = toIncomingMessage(fixture);
  const taskId = String(fixture.headers['id']);
  const replyTo = String(fixture.properties['reply_to']);

  function withChanges(changes: {
    headers?: Record<string, unknown>;
    dropHeaders?: string[];
    body?: string | Buffer;
    properties?: Partial<IncomingProperties>;
  }): IncomingMessage {
    const headers: Record<string, unknown> = { ...fixture.headers, ...changes.headers };
    for (const name of changes.dropHeaders ?? []) {
      Reflect.deleteProperty(headers, name);
    }
    const body = changes.body ?? fixture.bodyRaw;
    return {
      ...base,
      content: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      properties: { ...base.properties, ...changes.properties, headers },
    };
  }

  function expectFailure(result: DecodeResult, reason: DecodeFailure['reason']): DecodeFailure {
    if (result.ok) {
      throw new Error(`expected ${reason}, but it decoded`);
    }
    expect(result.reason).toBe(reason);
    expect(result.detail).not.toBe('');
    return result;
  }

  function expectIdentified(failure: DecodeFailure): void {
    expect(failure.taskId).toBe(taskId);
    expect(failure.task).toBe('tasks.add');
    expect(failure.replyTo).toBe(replyTo);
    expect(failure.correlationId).toBe(taskId);
  }

  it('oversize: checked on the byte length before parsing (default 1 MiB)', () => {
    const huge = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expectIdentified(expectFailure(decodeTask(withChanges({ body: huge })), 'oversize'));
    // Not even valid JSON: proves the size check came first.
    expectIdentified(
      expectFailure(decodeTask(withChanges({ body: '[[1,2' }), { maxPayloadBytes: 3 }), 'oversize'),
    );
  });

  it('content-type: pickle, a missing content type, or a non-UTF-8 encoding', () => {
    const pickle = decodeTask(
      withChanges({
        properties: { contentType: 'application/x-python-serialize', contentEncoding: 'binary' },
      }),
    );
    expectIdentified(expectFailure(pickle, 'content-type'));
    const missing = decodeTask(withChanges({ properties: { contentType: undefined } }));
    expectIdentified(expectFailure(missing, 'content-type'));
    const latin1 = decodeTask(withChanges({ properties: { contentEncoding: 'latin-1' } }));
    expectIdentified(expectFailure(latin1, 'content-type'));
  });

  it('compressed: a compression header', () => {
    const result = decodeTask(withChanges({ headers: { compression: 'application/x-gzip' } }));
    expectIdentified(expectFailure(result, 'compressed'));
  });

  it('protocol-1: no task header, task and id in the body', () => {
    const v1 = JSON.stringify({
      task: 'tasks.add',
      id: taskId,
      args: [1, 2],
      kwargs: {},
      retries: 0,
      eta: null,
      expires: null,
      utc: true,
      callbacks: null,
      errbacks: null,
      timelimit: [null, null],
      taskset: null,
      chord: null,
    });
    const result = decodeTask({
      ...base,
      content: Buffer.from(v1),
      properties: { ...base.properties, headers: {} },
    });
    expectIdentified(expectFailure(result, 'protocol-1'));
  });

  it('not-a-task: no task header and a body that is no task', () => {
    const result = decodeTask(withChanges({ dropHeaders: ['task'], body: '{"hello": "world"}' }));
    const failure = expectFailure(result, 'not-a-task');
    expect(failure.taskId).toBe(taskId);
    expect(failure.task).toBeNull();
    expect(failure.replyTo).toBe(replyTo);
    const garbage = decodeTask(withChanges({ dropHeaders: ['task'], body: 'not json' }));
    expect(expectFailure(garbage, 'not-a-task').replyTo).toBe(replyTo);
  });

  it('bad-json: invalid JSON, invalid UTF-8, NaN', () => {
    expectIdentified(expectFailure(decodeTask(withChanges({ body: '[[1, 2], {}, ' })), 'bad-json'));
    expectIdentified(
      expectFailure(
        decodeTask(withChanges({ body: Buffer.from([0x5b, 0xc3, 0x28, 0x5d]) })),
        'bad-json',
      ),
    );
    expectIdentified(
      expectFailure(decodeTask(withChanges({ body: '[[NaN], {}, null]' })), 'bad-json'),
    );
  });

  it('forbidden-key: __proto__ or constructor.prototype anywhere in the body', () => {
    const proto = decodeTask(
      withChanges({ body: '[[], {"__proto__": {"polluted": true}}, null]' }),
    );
    expectIdentified(expectFailure(proto, 'forbidden-key'));
    const ctor = decodeTask(
      withChanges({ body: '[[{"constructor": {"prototype": {"polluted": true}}}], {}, null]' }),
    );
    expectIdentified(expectFailure(ctor, 'forbidden-key'));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('too-deep: nesting beyond maxDepth (default 64), found before JSON.parse', () => {
    const deep = `[[${'['.repeat(70)}${']'.repeat(70)}], {}, null]`;
    expectIdentified(expectFailure(decodeTask(withChanges({ body: deep })), 'too-deep'));
    expectIdentified(
      expectFailure(
        decodeTask(withChanges({ body: '[[[1]], {}, null]' }), { maxDepth: 2 }),
        'too-deep',
      ),
    );
    // 64 levels exactly is fine.
    const ok = `[[${'['.repeat(62)}${']'.repeat(62)}], {}, null]`;
    expect(decodeTask(withChanges({ body: ok })).ok).toBe(true);
  });

  it.each([
    ['not an array', '{"args": []}'],
    ['two elements', '[[], {}]'],
    ['four elements', '[[], {}, null, null]'],
    ['args not an array', '[{}, {}, null]'],
    ['kwargs an array', '[[], [], null]'],
    ['kwargs null', '[[], null, null]'],
    ['embed a string', '[[], {}, "x"]'],
    [
      'chain not a list',
      '[[], {}, {"callbacks": null, "errbacks": null, "chain": {}, "chord": null}]',
    ],
    [
      'signature without task',
      '[[], {}, {"callbacks": [{"args": []}], "errbacks": null, "chain": null, "chord": null}]',
    ],
    [
      'signature args not a list',
      '[[], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": {"task": "t", "args": 1}}]',
    ],
  ])('bad-shape: %s', (_, body) => {
    expectIdentified(expectFailure(decodeTask(withChanges({ body })), 'bad-shape'));
  });

  it('missing-id: no id header, or an empty one', () => {
    const missing = expectFailure(decodeTask(withChanges({ dropHeaders: ['id'] })), 'missing-id');
    expect(missing.taskId).toBeNull();
    expect(missing.task).toBe('tasks.add');
    expect(missing.replyTo).toBe(replyTo);
    // The correlation id still names the task, so the caller can be told.
    expect(missing.correlationId).toBe(fixture.properties['correlation_id']);
    expect(
      expectFailure(decodeTask(withChanges({ headers: { id: '' } })), 'missing-id').replyTo,
    ).toBe(replyTo);
  });

  it.each([
    ['eta', { eta: 'next tuesday' }],
    ['expires', { expires: '2026-02-30T00:00:00+00:00' }],
    ['non-integer retries', { retries: 1.5 }],
    ['negative retries', { retries: -1 }],
    ['retries as a string', { retries: '1' }],
    ['group_index', { group_index: 'one' }],
    ['timelimit not a pair', { timelimit: [30] }],
    ['timelimit entry', { timelimit: ['30', null] }],
    ['ignore_result', { ignore_result: 'yes' }],
    ['shadow', { shadow: 42 }],
    ['task not a string', { task: 42 }],
    ['id not a string', { id: 42 }],
  ])('bad-header: %s', (_, headers: Record<string, unknown>) => {
    const failure = expectFailure(decodeTask(withChanges({ headers })), 'bad-header');
    expect(failure.replyTo).toBe(replyTo);
    if (typeof headers['id'] !== 'number') {
      expect(failure.taskId).toBe(taskId);
    }
  });

  it('never throws, even for a delivery that breaks its own type', () => {
    const hostile = {
      content: base.content,
      fields: base.fields,
      get properties(): IncomingProperties {
        throw new Error('boom');
      },
    } as IncomingMessage;
    const result = decodeTask(hostile);
    expect(result.ok).toBe(false);
  });
});
