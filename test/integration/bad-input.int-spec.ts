import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DEAD_LETTER_HEADERS, Task, TaskFailedError, deadLetterQueueName } from 'celeriac';
import { celeryHeaders } from '../support/celery-headers.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

@Injectable()
class GoodTasks {
  @Task('good.ping')
  ping(): string {
    return 'pong';
  }
}

describe('bad input reaches the dead-letter queue, never the handlers, and never stops the worker', () => {
  const queue = uniqueName('bad');
  const dead = deadLetterQueueName(queue);
  const replies = uniqueName('bad-replies');
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    await probe.declareQueue(replies, { durable: false, autoDelete: false });
    worker = await startWorker(
      { defaultQueue: queue, maxPayloadBytes: 16 * 1024, worker: { queues: [queue] } },
      [GoodTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, dead, replies);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  /** Publishes raw, waits for its dead letter, and returns the dead letter's headers. */
  async function deadLetterOf(
    content: string | Buffer,
    options: Parameters<BrokerProbe['publishRaw']>[2],
  ) {
    await probe.publishRaw(queue, content, options);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    const letter = await probe.get(dead);
    expect(letter).not.toBeNull();
    return { headers: letter?.properties.headers ?? {}, content: letter?.content };
  }

  async function replyFor(id: string) {
    await expect.poll(() => probe.depth(replies), { timeout: 5_000 }).toBe(1);
    const reply = await probe.get(replies);
    expect(reply?.properties.correlationId).toBe(id);
    return JSON.parse(reply?.content.toString() ?? 'null') as {
      status: string;
      result: Record<string, unknown>;
    };
  }

  it('unknown task: FAILURE NotRegistered to the caller, dead letter, one warning', async () => {
    const id = randomUUID();
    const body = JSON.stringify([
      [],
      {},
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
    const { headers } = await deadLetterOf(body, {
      headers: celeryHeaders('no.such.task', id),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: id,
      replyTo: replies,
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('unknown-task');
    expect(headers[DEAD_LETTER_HEADERS.excType]).toBe('NotRegistered');
    const reply = await replyFor(id);
    expect(reply.status).toBe('FAILURE');
    expect(reply.result).toMatchObject({
      exc_type: 'NotRegistered',
      exc_module: 'celery.exceptions',
    });
    expect(worker.logger.lines('warn', id)).toHaveLength(1);
  });

  it('malformed JSON body: dead letter with the reason and the body kept byte for byte', async () => {
    const id = randomUUID();
    const { headers, content } = await deadLetterOf('[[1, 2], {', {
      headers: celeryHeaders('good.ping', id),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: id,
      replyTo: replies,
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('bad-json');
    expect(content?.toString()).toBe('[[1, 2], {');
    expect((await replyFor(id)).result).toMatchObject({ exc_type: 'InvalidTaskError' });
  });

  it('a body that is not [args, kwargs, embed]: dead letter, reason bad-shape', async () => {
    const id = randomUUID();
    const { headers } = await deadLetterOf(JSON.stringify({ args: [] }), {
      headers: celeryHeaders('good.ping', id),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('bad-shape');
  });

  it('pickle content type: FAILURE ContentDisallowed to the caller instead of silence', async () => {
    const id = randomUUID();
    const { headers } = await deadLetterOf(Buffer.from([0x80, 0x04, 0x95]), {
      headers: celeryHeaders('good.ping', id),
      contentType: 'application/x-python-serialize',
      contentEncoding: 'binary',
      correlationId: id,
      replyTo: replies,
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('content-type');
    const reply = await replyFor(id);
    expect(reply.status).toBe('FAILURE');
    expect(reply.result).toMatchObject({
      exc_type: 'ContentDisallowed',
      exc_module: 'kombu.exceptions',
    });
  });

  it('protocol 1 message: dead letter, reason protocol-1', async () => {
    const id = randomUUID();
    const { headers } = await deadLetterOf(
      JSON.stringify({ task: 'good.ping', id, args: [], kwargs: {} }),
      {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
      },
    );
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('protocol-1');
  });

  it('oversize payload: dead letter before parsing', async () => {
    const id = randomUUID();
    const huge = JSON.stringify([['x'.repeat(20 * 1024)], {}, null]);
    const { headers } = await deadLetterOf(huge, {
      headers: celeryHeaders('good.ping', id),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('oversize');
  });

  it('prototype poisoning: dead letter, reason forbidden-key', async () => {
    const id = randomUUID();
    const { headers } = await deadLetterOf('[[], {"__proto__": {"isAdmin": true}}, null]', {
      headers: celeryHeaders('good.ping', id),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('forbidden-key');
  });

  it('keeps serving good tasks after all of the above', async () => {
    const result = await worker.client.send('good.ping');
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('pong');
    expect(await probe.depth(queue)).toBe(0);
  });

  it('a Celeriac client gets NotRegistered as a TaskFailedError', async () => {
    const result = await worker.client.send('nobody.handles.this');
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.excType).toBe('NotRegistered');
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    await probe.get(dead);
  });
});
