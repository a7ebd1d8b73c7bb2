import type { IncomingMessage, OutgoingMessage } from './amqp-message.js';
import {
  encodeWithAmqplib,
  fixtureNames,
  loadAmqplibCodec,
  loadFixture,
  toIncomingMessage,
} from '../../spec-support/celery-fixtures.js';
import { taskMessage } from '../../spec-support/task-message.js';
import { decodeTask } from './decode-task.js';
import { encodeTask } from './encode-task.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { TaskMessage } from './task-message.js';

const codec = loadAmqplibCodec();

function decodeOk(delivery: IncomingMessage): TaskMessage {
  const result = decodeTask(delivery);
  if (!result.ok) throw new Error(`expected a task, got ${result.reason}: ${result.detail}`);
  return result.message;
}

/** What a consumer receives after amqplib encodes the message and decodes it again. */
function overTheWire(out: OutgoingMessage): IncomingMessage {
  const table = encodeWithAmqplib(codec, out.properties.headers);
  return {
    content: out.content,
    properties: { ...out.properties, headers: codec.decodeFields(table.subarray(4)) },
    fields: { exchange: '', routingKey: 'celery', redelivered: false },
  };
}

describe('the lean header table', () => {
  it('is task and id alone for a plain send', () => {
    const { headers } = encodeTask(taskMessage({ id: 'a', rootId: 'a' }), 'lean').properties;
    expect(headers).toEqual({ task: 'demo.add', id: 'a' });
  });

  it('carries every header whose value is not what a Celery worker assumes when it is absent', () => {
    const eta = new Date('2026-12-05T10:00:00.250Z');
    const expires = new Date('2026-12-05T11:00:00Z');
    const { headers } = encodeTask(
      taskMessage({
        id: 'b',
        rootId: 'root',
        parentId: 'parent',
        shadow: 'shown',
        eta,
        expires,
        groupId: 'g',
        groupIndex: 0,
        retries: 2,
        timeLimit: { hard: null, soft: 1.5 },
        ignoreResult: true,
      }),
      'lean',
    ).properties;
    expect(headers).toEqual({
      task: 'demo.add',
      id: 'b',
      shadow: 'shown',
      eta: '2026-12-05T10:00:00.250000+00:00',
      expires: '2026-12-05T11:00:00.000000+00:00',
      group: 'g',
      group_index: { '!': 'int32', value: 0 },
      retries: { '!': 'int32', value: 2 },
      timelimit: [null, { '!': 'float64', value: 1.5 }],
      root_id: 'root',
      parent_id: 'parent',
      ignore_result: true,
    });
  });

  it('keeps custom headers after the protocol ones', () => {
    const { headers } = encodeTask(
      taskMessage({ id: 'c', rootId: 'c', extraHeaders: { 'x-trace': 'abc' } }),
      'lean',
    ).properties;
    expect(headers).toEqual({ task: 'demo.add', id: 'c', 'x-trace': 'abc' });
  });

  it('refuses what the full table refuses', () => {
    const bad = taskMessage({ timeLimit: { hard: -1, soft: null } });
    expect(() => encodeTask(bad, 'lean')).toThrow(MessageEncodeError);
    expect(() => encodeTask(bad, 'full')).toThrow(MessageEncodeError);
    const badDate = taskMessage({ eta: new Date(Number.NaN) });
    expect(() => encodeTask(badDate, 'lean')).toThrow(MessageEncodeError);
  });

  it.each(fixtureNames('task_'))(
    '%s: decodes to the same task as the full table, but for origin and lang',
    (name) => {
      const celery = decodeOk(toIncomingMessage(loadFixture(name)));
      const full = decodeOk(overTheWire(encodeTask(celery, 'full')));
      const lean = decodeOk(overTheWire(encodeTask(celery, 'lean')));
      expect(lean).toEqual({ ...full, origin: null, lang: null });
    },
  );
});
