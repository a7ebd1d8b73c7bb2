import type { IncomingMessage, OutgoingMessage } from './amqp-message.js';
import { parseCeleryDate } from './celery-date.js';
import {
  encodeWithAmqplib,
  fixtureNames,
  headerTableBytes,
  loadAmqplibCodec,
  loadFixture,
  readFieldTags,
  toIncomingMessage,
} from '../../spec-support/celery-fixtures.js';
import { decodeTask } from './decode-task.js';
import { encodeTask } from './encode-task.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import { PROTOCOL_HEADERS } from './protocol-headers.js';
import type { TaskMessage } from './task-message.js';

const codec = loadAmqplibCodec();

function decodeOk(delivery: IncomingMessage): TaskMessage {
  const result = decodeTask(delivery);
  if (!result.ok) {
    throw new Error(`expected a task, got ${result.reason}: ${result.detail}`);
  }
  return result.message;
}

/** What a consumer receives after amqplib encodes our message and decodes it again. */
function overTheWire(out: OutgoingMessage): IncomingMessage {
  const table = encodeWithAmqplib(codec, out.properties.headers);
  const p = out.properties;
  return {
    content: out.content,
    properties: {
      contentType: p.contentType,
      contentEncoding: p.contentEncoding,
      headers: codec.decodeFields(table.subarray(4)),
      deliveryMode: p.deliveryMode,
      priority: p.priority,
      correlationId: p.correlationId,
      replyTo: p.replyTo,
      expiration: p.expiration,
    },
    fields: { exchange: '', routingKey: 'celery', redelivered: false },
  };
}

function message(overrides: Partial<TaskMessage> = {}): TaskMessage {
  return {
    id: '5f0c7d4e-1111-4a2b-9c3d-000000000001',
    task: 'tasks.add',
    args: [2, 3],
    kwargs: {},
    embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    rootId: '5f0c7d4e-1111-4a2b-9c3d-000000000001',
    parentId: null,
    groupId: null,
    groupIndex: null,
    shadow: null,
    eta: null,
    expires: null,
    retries: 0,
    timeLimit: { hard: null, soft: null },
    ignoreResult: false,
    origin: 'gen42@node',
    lang: null,
    extraHeaders: {},
    correlationId: '5f0c7d4e-1111-4a2b-9c3d-000000000001',
    replyTo: 'reply-queue',
    priority: null,
    ...overrides,
  };
}

describe('encodeTask reproduces what Celery 5.2.6 put on the wire', () => {
  it.each(fixtureNames('task_'))('%s: same headers, header types, body and properties', (name) => {
    const fixture = loadFixture(name);
    const decoded = decodeOk(toIncomingMessage(fixture));
    const out = encodeTask(decoded);

    // Properties (clients always send a priority; worker follow-ups had none, we send 0).
    expect(out.properties).toMatchObject({
      contentType: fixture.properties['content_type'],
      contentEncoding: fixture.properties['content_encoding'],
      deliveryMode: fixture.properties['delivery_mode'],
      priority: fixture.properties['priority'] ?? 0,
      correlationId: fixture.properties['correlation_id'],
      replyTo: fixture.properties['reply_to'],
    });
    // Celery also sets the per-message TTL for `expires`; Celeriac does not (see encodeTask).
    expect(out.properties).not.toHaveProperty('expiration');

    // Body: the same JSON value (Python escapes non-ASCII, we send raw UTF-8; both are valid JSON).
    expect(JSON.parse(out.content.toString('utf8'))).toEqual(fixture.body);

    // Headers: every key in Celery's order, with the same AMQP field types py-amqp wrote.
    const ours = encodeWithAmqplib(codec, out.properties.headers);
    const theirs = headerTableBytes(fixture);
    expect(Object.keys(out.properties.headers)).toEqual(Object.keys(fixture.headers));
    expect(readFieldTags(ours)).toEqual(fixture.headerFieldTypes);
    expect(readFieldTags(theirs)).toEqual(fixture.headerFieldTypes);
    expect(out.properties.headers['argsrepr']).toBe(fixture.headers['argsrepr']);
    expect(out.properties.headers['kwargsrepr']).toBe(fixture.headers['kwargsrepr']);
    if (fixture.headers['eta'] === null && fixture.headers['expires'] === null) {
      // Byte for byte what py-amqp wrote (dated ones differ only in the last three microsecond digits).
      expect(ours.equals(theirs)).toBe(true);
    } else {
      const decodedBack = codec.decodeFields(ours.subarray(4));
      for (const key of ['eta', 'expires'] as const) {
        const sent = fixture.headers[key];
        expect(decodedBack[key]).toBe(
          typeof sent === 'string' ? `${sent.slice(0, 23)}000+00:00` : null,
        );
      }
    }
  });
});

describe('encodeTask', () => {
  it('sends all sixteen protocol headers, null where unused, and lang js for our own messages', () => {
    const { headers } = encodeTask(message()).properties;
    expect(Object.keys(headers)).toEqual([...PROTOCOL_HEADERS]);
    expect(headers).toEqual({
      lang: 'js',
      task: 'tasks.add',
      id: '5f0c7d4e-1111-4a2b-9c3d-000000000001',
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: { '!': 'int32', value: 0 },
      timelimit: [null, null],
      root_id: '5f0c7d4e-1111-4a2b-9c3d-000000000001',
      parent_id: null,
      argsrepr: '(2, 3)',
      kwargsrepr: '{}',
      origin: 'gen42@node',
      ignore_result: false,
    });
  });

  it('writes retries, group_index and timelimit entries as AMQP I, even for values amqplib would make b or s', () => {
    const out = encodeTask(
      message({
        retries: 3,
        groupIndex: 1000,
        timeLimit: { hard: 300, soft: 60 },
        extraHeaders: { n: -1 },
      }),
    );
    const table = encodeWithAmqplib(codec, out.properties.headers);
    const tags = readFieldTags(table);
    expect(tags['retries']).toBe('I');
    expect(tags['group_index']).toBe('I');
    expect(tags['timelimit']).toEqual({ A: ['I', 'I'] });
    expect(tags['n']).toBe('I');
    // And the I tag byte sits right after the key in the raw table.
    const key = Buffer.from('\u0007retries', 'latin1');
    const at = table.indexOf(key);
    expect(at).toBeGreaterThan(0);
    expect(String.fromCharCode(table.readUInt8(at + key.length))).toBe('I');
    expect(table.readInt32BE(at + key.length + 1)).toBe(3);
    expect(codec.decodeFields(table.subarray(4))).toMatchObject({
      retries: 3,
      group_index: 1000,
      timelimit: [300, 60],
      n: -1,
    });
  });

  it('keeps fractional time limits as doubles', () => {
    const out = encodeTask(message({ timeLimit: { hard: 2.5, soft: null } }));
    expect(readFieldTags(encodeWithAmqplib(codec, out.properties.headers))['timelimit']).toEqual({
      A: ['d', 'V'],
    });
  });

  it('merges custom headers flat after the protocol ones, but never lets them override one', () => {
    const out = encodeTask(
      message({
        extraHeaders: {
          'x-tenant': 'acme',
          'x-attempt': 3,
          id: 'evil',
          task: 'tasks.evil',
          retries: 99,
          ignore_result: true,
          compression: 'application/x-gzip',
        },
      }),
    );
    const { headers } = out.properties;
    expect(Object.keys(headers)).toEqual([...PROTOCOL_HEADERS, 'x-tenant', 'x-attempt']);
    expect(headers['id']).toBe('5f0c7d4e-1111-4a2b-9c3d-000000000001');
    expect(headers['task']).toBe('tasks.add');
    expect(headers['retries']).toEqual({ '!': 'int32', value: 0 });
    expect(headers['ignore_result']).toBe(false);
    expect(headers).not.toHaveProperty('compression');
    expect(headers['x-attempt']).toEqual({ '!': 'int32', value: 3 });
  });

  it('writes dates as Python isoformat with six digits', () => {
    const { headers } = encodeTask(
      message({
        eta: new Date(Date.UTC(2026, 10, 26, 20, 28, 12, 572)),
        expires: new Date(Date.UTC(2026, 10, 26, 21)),
      }),
    ).properties;
    expect(headers['eta']).toBe('2026-11-26T20:28:12.572000+00:00');
    expect(headers['expires']).toBe('2026-11-26T21:00:00.000000+00:00');
  });

  it('sets no per-message TTL for expires: the expires header alone carries it', () => {
    const expires = new Date(Date.UTC(2026, 10, 26, 21));
    const out = encodeTask(message({ expires }));
    expect(out.properties).not.toHaveProperty('expiration');
    expect(out.properties.headers['expires']).toBe('2026-11-26T21:00:00.000000+00:00');
  });

  it('sets priority 0 when null, omits an absent reply_to, and defaults correlationId to the id', () => {
    const plain = encodeTask(message({ replyTo: null, correlationId: '' })).properties;
    expect(plain.priority).toBe(0);
    expect(plain).not.toHaveProperty('replyTo');
    expect(plain.correlationId).toBe('5f0c7d4e-1111-4a2b-9c3d-000000000001');
    expect(plain.deliveryMode).toBe(2);
    expect(encodeTask(message({ priority: 7 })).properties.priority).toBe(7);
  });

  it('always sends the four-key embed', () => {
    const body = JSON.parse(encodeTask(message()).content.toString('utf8')) as unknown;
    expect(body).toEqual([
      [2, 3],
      {},
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
  });

  it('cuts argsrepr and kwargsrepr at 1024 characters', () => {
    const { headers } = encodeTask(
      message({ args: ['a'.repeat(4000)], kwargs: { k: 'b'.repeat(4000) } }),
    ).properties;
    expect(String(headers['argsrepr'])).toHaveLength(1024);
    expect(String(headers['kwargsrepr'])).toHaveLength(1024);
  });

  it('refuses what the protocol cannot carry, with MessageEncodeError', () => {
    const cases: Partial<TaskMessage>[] = [
      { id: '' },
      { task: '' },
      { retries: -1 },
      { retries: 1.5 },
      { groupIndex: -2 },
      { priority: 300 },
      { eta: new Date(Number.NaN) },
      { expires: new Date(Date.UTC(10000, 0, 1)) },
      { timeLimit: { hard: -1, soft: null } },
      { args: [10n] },
      { extraHeaders: { s: Symbol('x') } },
    ];
    for (const overrides of cases) {
      expect(() => encodeTask(message(overrides)), JSON.stringify(Object.keys(overrides))).toThrow(
        MessageEncodeError,
      );
    }
  });
});

describe('encodeTask → amqplib → decodeTask round trips', () => {
  it('keeps every field, including a microsecond eta and astral-plane text', () => {
    const eta = parseCeleryDate('2026-11-26T20:28:12.572614+00:00');
    expect(eta).not.toBeNull();
    const original = message({
      args: ['𝄞 clef', { emoji: '😀👍🏽', mixed: 'héllo ✓ 日本' }],
      kwargs: { text: '🜁 alchemical', nested: { list: [1, 2.5, null, true] } },
      embed: {
        callbacks: null,
        errbacks: null,
        chain: [
          {
            task: 'tasks.add',
            args: [100],
            kwargs: {},
            options: { task_id: 'b-2', reply_to: 'reply-queue' },
            subtask_type: null,
            immutable: false,
          },
        ],
        chord: null,
      },
      eta,
      expires: new Date(Date.UTC(2026, 10, 26, 21, 0, 0, 1)),
      groupId: 'g-1',
      groupIndex: 2,
      retries: 1,
      timeLimit: { hard: 300, soft: 60 },
      shadow: 'display.name',
      parentId: 'p-1',
      rootId: 'r-1',
      ignoreResult: true,
      lang: 'js',
      priority: 9,
      extraHeaders: { 'x-tenant': 'acme', 'x-attempt': 3, 'x-list': [1, 'a'] },
    });
    const decoded = decodeOk(overTheWire(encodeTask(original)));
    expect(decoded).toEqual(original);
    expect(decoded.eta?.toISOString()).toBe('2026-11-26T20:28:12.572Z');
    expect(decoded.args[0]).toBe('𝄞 clef');
  });
});
