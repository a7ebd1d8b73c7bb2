import type { IncomingMessage, OutgoingMessage } from './amqp-message.js';
import {
  asRecord,
  fixtureNames,
  indexedFixtureNames,
  loadFixture,
  toIncomingMessage,
} from '../../spec-support/celery-fixtures.js';
import { notRegistered, taskRevoked } from './celery-exceptions.js';
import { decodeResult, type ResultDecodeResult } from './decode-result.js';
import { encodeResult } from './encode-result.js';
import { MessageEncodeError } from '../errors/message-encode.error.js';
import type { ResultMessage } from './result-message.js';

const RESULT_FIXTURES = fixtureNames('result_');

function decodeOk(delivery: IncomingMessage): ResultMessage {
  const decoded = decodeResult(delivery);
  if (!decoded.ok) {
    throw new Error(`expected a result, got ${decoded.reason}: ${decoded.detail}`);
  }
  return decoded.result;
}

function delivered(out: OutgoingMessage): IncomingMessage {
  const p = out.properties;
  return {
    content: out.content,
    properties: {
      contentType: p.contentType,
      contentEncoding: p.contentEncoding,
      headers: p.headers,
      deliveryMode: p.deliveryMode,
      priority: p.priority,
      correlationId: p.correlationId,
    },
    fields: { exchange: '', routingKey: 'reply-queue', redelivered: false },
  };
}

describe('decodeResult on every captured Celery 5.2.6 result message', () => {
  it('covers every result fixture listed in index.json', () => {
    expect(RESULT_FIXTURES).not.toHaveLength(0);
    expect(RESULT_FIXTURES).toEqual(indexedFixtureNames('result_'));
  });

  it.each(RESULT_FIXTURES)('%s decodes to its own body', (name) => {
    const fixture = loadFixture(name);
    const body = asRecord(fixture.body);
    const result = decodeOk(toIncomingMessage(fixture));
    expect(result.taskId).toBe(body['task_id']);
    expect(result.taskId).toBe(fixture.properties['correlation_id']);
    expect(result.status).toBe(body['status']);
    expect(result.result).toEqual(body['result']);
    expect(result.traceback).toBe(body['traceback']);
    expect(result.children).toEqual(body['children']);
    if (['FAILURE', 'RETRY', 'REVOKED'].includes(result.status)) {
      const exc = asRecord(body['result']);
      expect(result.exception).toEqual({
        excType: exc['exc_type'],
        excModule: exc['exc_module'],
        excMessage: exc['exc_message'],
      });
    } else {
      expect(result.exception).toBeNull();
    }
  });

  it('result_success and result_success_unicode: return values, astral text included', () => {
    expect(decodeOk(toIncomingMessage(loadFixture('result_success')))).toMatchObject({
      status: 'SUCCESS',
      result: 5,
      traceback: null,
      children: [],
    });
    expect(decodeOk(toIncomingMessage(loadFixture('result_success_unicode'))).result).toEqual({
      text: 'héllo ✓ 😀',
      n: [1, 2.5, null],
    });
  });

  it('result_failure: ValueError from builtins, with the Python traceback', () => {
    const result = decodeOk(toIncomingMessage(loadFixture('result_failure')));
    expect(result.exception).toEqual({
      excType: 'ValueError',
      excModule: 'builtins',
      excMessage: ['boom ✗'],
    });
    expect(result.traceback).toContain('ValueError: boom ✗');
  });

  it('result_failure_not_registered and result_revoked_expired match our constructors', () => {
    const notReg = decodeOk(toIncomingMessage(loadFixture('result_failure_not_registered')));
    expect(notReg.exception).toEqual(notRegistered('tasks.does_not_exist'));
    const revoked = decodeOk(toIncomingMessage(loadFixture('result_revoked_expired')));
    expect(revoked.status).toBe('REVOKED');
    expect(revoked.exception).toEqual(taskRevoked('expired'));
  });

  it('result_retry and result_success_with_children: children tuples kept as received', () => {
    const retry = decodeOk(toIncomingMessage(loadFixture('result_retry')));
    expect(retry.status).toBe('RETRY');
    expect(retry.exception?.excType).toBe('RuntimeError');
    expect(retry.children).toEqual([[[retry.taskId, null], null]]);
    const chained = decodeOk(toIncomingMessage(loadFixture('result_success_with_children')));
    expect(chained.children).toHaveLength(1);
  });
});

describe('decodeResult tolerance and failures', () => {
  const base = toIncomingMessage(loadFixture('result_success'));
  const withBody = (
    body: string,
    properties: Partial<IncomingMessage['properties']> = {},
  ): IncomingMessage => ({
    ...base,
    content: Buffer.from(body),
    properties: { ...base.properties, ...properties },
  });
  const reason = (r: ResultDecodeResult): string | null => (r.ok ? null : r.reason);

  it('ignores extra keys (date_done, group_id, parent_id of newer Celery) and fills absent optional ones', () => {
    const r = decodeOk(
      withBody(
        '{"task_id": "t1", "status": "SUCCESS", "result": [1], "date_done": "2026-01-01T00:00:00", "group_id": null}',
      ),
    );
    expect(r).toEqual({
      taskId: 't1',
      status: 'SUCCESS',
      result: [1],
      exception: null,
      traceback: null,
      children: [],
    });
  });

  it('reads a STARTED result as a plain value', () => {
    const r = decodeOk(
      withBody(
        '{"task_id": "t1", "status": "STARTED", "result": {"pid": 7, "hostname": "w1@h"}, "traceback": null, "children": []}',
      ),
    );
    expect(r.result).toEqual({ pid: 7, hostname: 'w1@h' });
    expect(r.exception).toBeNull();
  });

  it('accepts a plain-string exc_message', () => {
    const r = decodeOk(
      withBody(
        '{"task_id": "t1", "status": "FAILURE", "result": {"exc_type": "KeyError", "exc_message": "k", "exc_module": "builtins"}}',
      ),
    );
    expect(r.exception).toEqual({ excType: 'KeyError', excModule: 'builtins', excMessage: ['k'] });
  });

  it.each([
    ['bad-json', withBody('{"task_id": ')],
    ['bad-shape', withBody('[1, 2]')],
    ['bad-shape', withBody('{"status": "SUCCESS"}')],
    ['bad-shape', withBody('{"task_id": "t", "status": "SUCCESS", "children": {}}')],
    ['bad-shape', withBody('{"task_id": "t", "status": "SUCCESS", "traceback": 5}')],
    ['unknown-status', withBody('{"task_id": "t", "status": "IGNORED"}')],
    [
      'forbidden-key',
      withBody('{"task_id": "t", "status": "SUCCESS", "result": {"__proto__": {}}}'),
    ],
    [
      'too-deep',
      withBody(
        `{"task_id": "t", "status": "SUCCESS", "result": ${'['.repeat(80)}${']'.repeat(80)}}`,
      ),
    ],
    ['content-type', withBody('{}', { contentType: 'application/x-python-serialize' })],
    ['compressed', withBody('{}', { headers: { compression: 'application/x-gzip' } })],
  ] as const)('%s', (expected, delivery) => {
    expect(reason(decodeResult(delivery))).toBe(expected);
  });

  it('oversize is checked before the body is read', () => {
    expect(reason(decodeResult(withBody('not json at all'), { maxPayloadBytes: 4 }))).toBe(
      'oversize',
    );
  });
});

describe('encodeResult', () => {
  const success: ResultMessage = {
    taskId: 'task-1',
    status: 'SUCCESS',
    result: { text: '𝄞 😀', n: [1, 2.5, null] },
    exception: null,
    traceback: null,
    children: [],
  };

  it('writes the five-key body and Celery rpc properties', () => {
    const out = encodeResult(success);
    expect(JSON.parse(out.content.toString('utf8'))).toEqual({
      task_id: 'task-1',
      status: 'SUCCESS',
      result: { text: '𝄞 😀', n: [1, 2.5, null] },
      traceback: null,
      children: [],
    });
    expect(out.properties).toEqual({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {},
      deliveryMode: 1,
      priority: 0,
      correlationId: 'task-1',
    });
    expect(encodeResult(success, { correlationId: 'corr' }).properties.correlationId).toBe('corr');
  });

  it('puts the exception object in result for failures, exactly as the Python fixture has it', () => {
    const fixture = loadFixture('result_failure_not_registered');
    const body = asRecord(fixture.body);
    const out = encodeResult({
      taskId: String(body['task_id']),
      status: 'FAILURE',
      result: null,
      exception: notRegistered('tasks.does_not_exist'),
      traceback: null,
      children: [],
    });
    // Same value and key order; only Python's `", "` separators differ.
    const sent = JSON.parse(out.content.toString('utf8')) as unknown;
    expect(sent).toEqual(fixture.body);
    expect(Object.keys(asRecord(sent))).toEqual(Object.keys(body));
    expect(out.properties).toMatchObject({
      contentType: fixture.properties['content_type'],
      contentEncoding: fixture.properties['content_encoding'],
      deliveryMode: fixture.properties['delivery_mode'],
      priority: fixture.properties['priority'],
      correlationId: fixture.properties['correlation_id'],
    });
  });

  it('sends an undefined return value as null', () => {
    const out = encodeResult({ ...success, result: undefined });
    expect(JSON.parse(out.content.toString('utf8'))).toMatchObject({ result: null });
  });

  it('round-trips through decodeResult', () => {
    expect(decodeOk(delivered(encodeResult(success)))).toEqual(success);
    const revoked: ResultMessage = {
      ...success,
      status: 'REVOKED',
      result: null,
      exception: taskRevoked('revoked'),
    };
    expect(decodeOk(delivered(encodeResult(revoked)))).toEqual({
      ...revoked,
      result: {
        exc_type: 'TaskRevokedError',
        exc_message: ['revoked'],
        exc_module: 'celery.exceptions',
      },
    });
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => encodeResult({ ...success, result: 1n })).toThrow(MessageEncodeError);
    expect(() => encodeResult({ ...success, taskId: '' })).toThrow(MessageEncodeError);
  });
});
