import type { IncomingMessage } from '../message/amqp-message.js';
import { readDeadLetter, replayMessage } from './dead-letter-record.js';

/** A dead letter as amqplib hands it to `basic.get`: headers decoded, integers as plain numbers. */
function letter(
  headers: Record<string, unknown>,
  body = '[[2, 3], {"z": 1}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]',
): IncomingMessage {
  return {
    content: Buffer.from(body),
    fields: { exchange: '', routingKey: 'work.dead', redelivered: false },
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: 'id-1',
      replyTo: 'replies',
      priority: 3,
      deliveryMode: 2,
      headers: {
        lang: 'py',
        task: 'math.add',
        id: 'id-1',
        shadow: null,
        eta: null,
        expires: null,
        group: null,
        group_index: null,
        retries: 3,
        timelimit: [null, null],
        root_id: 'id-1',
        parent_id: 'id-1',
        argsrepr: '(2, 3)',
        kwargsrepr: "{'z': 1}",
        origin: 'gen1@host',
        ignore_result: false,
        'x-tenant': 'acme',
        'x-celeriac-reason': 'task-failed',
        'x-celeriac-detail': 'ValueError: boom',
        'x-celeriac-exception-type': 'ValueError',
        'x-celeriac-exception-message': 'boom',
        'x-celeriac-attempts': 4,
        'x-celeriac-original-queue': 'work',
        'x-celeriac-original-exchange': 'media',
        'x-celeriac-original-routing-key': 'media.video',
        'x-celeriac-dead-at': '2026-01-02T03:04:05.678Z',
        ...headers,
      },
    },
  };
}

describe('readDeadLetter', () => {
  it('reads why, where from, and the decoded arguments', () => {
    expect(readDeadLetter(letter({}), 1_048_576)).toEqual({
      id: 'id-1',
      task: 'math.add',
      reason: 'task-failed',
      detail: 'ValueError: boom',
      excType: 'ValueError',
      excMessage: ['boom'],
      attempts: 4,
      originalQueue: 'work',
      originalExchange: 'media',
      originalRoutingKey: 'media.video',
      deadAt: new Date('2026-01-02T03:04:05.678Z'),
      args: [2, 3],
      kwargs: { z: 1 },
    });
  });

  it("reads the exception's arguments from their JSON header, as TaskFailedError carries them", () => {
    const read = readDeadLetter(
      letter({
        'x-celeriac-exception-args': '["boom",3]',
        'x-celeriac-exception-message': 'boom, 3',
      }),
      1_048_576,
    );
    expect(read.excMessage).toEqual(['boom', 3]);
  });

  it('keeps the id and task of a body that does not decode, with null arguments', () => {
    const read = readDeadLetter(letter({ 'x-celeriac-reason': 'bad-json' }, '[[1, 2'), 1_048_576);
    expect(read).toMatchObject({ id: 'id-1', task: 'math.add', reason: 'bad-json' });
    expect(read.args).toBeNull();
    expect(read.kwargs).toBeNull();
  });

  it('shows null for what a letter does not say (one the broker dead-lettered itself)', () => {
    const read = readDeadLetter(
      letter({
        'x-celeriac-reason': undefined,
        'x-celeriac-attempts': undefined,
        'x-celeriac-original-queue': undefined,
        'x-celeriac-dead-at': undefined,
        'x-first-death-queue': 'work',
      }),
      1_048_576,
    );
    expect(read).toMatchObject({
      reason: null,
      attempts: null,
      deadAt: null,
      originalQueue: 'work',
    });
  });
});

describe('replayMessage', () => {
  it('targets the original queue, strips the death headers, resets retries, types integers as int32', () => {
    const replay = replayMessage(
      letter({ 'x-death': [{ count: 1, queue: 'work' }], 'x-first-death-queue': 'work' }),
    );
    expect(replay?.queue).toBe('work');
    const headers = replay?.message.properties.headers ?? {};
    expect(Object.keys(headers).filter((k) => k.startsWith('x-celeriac-'))).toEqual([]);
    expect(headers['x-death']).toBeUndefined();
    expect(headers['x-first-death-queue']).toBeUndefined();
    expect(headers['retries']).toEqual({ '!': 'int32', value: 0 });
    expect(headers['x-tenant']).toBe('acme');
    expect(headers['id']).toBe('id-1');
    expect(headers['timelimit']).toEqual([null, null]);
  });

  it('keeps the body byte for byte and the properties a caller needs', () => {
    const source = letter({});
    const replay = replayMessage(source);
    expect(replay?.message.content.equals(source.content)).toBe(true);
    expect(replay?.message.properties).toMatchObject({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: 'id-1',
      replyTo: 'replies',
      priority: 3,
      deliveryMode: 2,
    });
  });

  it('returns null when the letter names no original queue', () => {
    expect(replayMessage(letter({ 'x-celeriac-original-queue': undefined }))).toBeNull();
  });
});
