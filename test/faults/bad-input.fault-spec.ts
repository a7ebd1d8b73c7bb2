import { randomUUID } from 'node:crypto';
import {
  PayloadTooLargeError,
  PublishError,
  TaskFailedError,
  TaskQueueRuntime,
  UnroutableError,
  deadLetterQueueName,
} from 'celeriac';
import type { TestClient } from '../support/apps.js';
import { celeryHeaders } from '../support/celery-headers.js';
import { BROKER_DEFAULTS, setMaxMessageSize } from './support/rabbit.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { Scenario, waitUntil } from './support/scenario.js';

const EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };

/** Sends a task whose only argument is `bytes` long; records the outcome in the ledger. */
async function sendSized(s: Scenario, client: TestClient, bytes: number): Promise<unknown> {
  return (await s.sendRecorded(client.client, [0, 'x'.repeat(bytes)])).error;
}

/**
 * Bad input (reliability.md §6, F10, F11, F12, F16): what the client must refuse, what the broker
 * refuses, and what the worker must dead-letter once, without a requeue loop and without hurting the
 * tasks around it.
 */
describe('bad input', () => {
  const startScenario = faultScenarios();

  it('F10: oversize payloads are refused with a clear error; the shared channel and later publishes are fine', async () => {
    const s = await startScenario('F10');
    await s.worker({ maxPayloadBytes: 4 * 1024 * 1024, worker: { concurrency: 10 } });

    // 1. The client's own limit: refused before anything is sent, while 50 others are in flight.
    const guarded = await s.client({ maxPayloadBytes: 64 * 1024 });
    const [clientRefusal] = await Promise.all([
      sendSized(s, guarded, 100 * 1024),
      s.sendMany(guarded.client, 50).then((errors) => {
        expect(errors).toEqual([]);
      }),
    ]);
    const guardedHealth = guarded.app.get(TaskQueueRuntime).health().publisher;

    // 2. The broker's limit, below the client's: RabbitMQ closes the channel; the publisher reports it
    //    for that message only, and the 50 publishes sharing the channel still get through.
    let brokerRefusal: unknown;
    let refusalMs = 0;
    let republished = 0;
    try {
      await setMaxMessageSize(1024 * 1024);
      // A channel reads max_message_size when it opens: this client's channel opens after the change.
      const trusting = await s.client({
        maxPayloadBytes: 4 * 1024 * 1024,
        publishTimeoutMs: 10_000,
      });
      expect(await s.send(trusting.client)).toBeNull();
      const started = Date.now();
      const [refusal] = await Promise.all([
        sendSized(s, trusting, 2 * 1024 * 1024).then((err) => {
          refusalMs = Date.now() - started;
          return err;
        }),
        s.sendMany(trusting.client, 50).then((errors) => {
          expect(errors).toEqual([]);
        }),
      ]);
      brokerRefusal = refusal;
      expect(await s.sendMany(trusting.client, 20)).toEqual([]);
      republished = trusting.app.get(TaskQueueRuntime).health().publisher?.republished ?? 0;
    } finally {
      await setMaxMessageSize(BROKER_DEFAULTS.maxMessageSize);
    }
    await s.settle();

    const v = s.verdict(
      'oversize payload',
      `client refused 100 KiB (limit 64 KiB), broker refused 2 MiB (max_message_size 1 MiB) after ` +
        `${refusalMs} ms, ${republished} publishes sent again after that channel close`,
    );
    expect(clientRefusal).toBeInstanceOf(PayloadTooLargeError);
    expect(guardedHealth).toMatchObject({ channelOpen: true, republished: 0 });
    expect(brokerRefusal).toBeInstanceOf(PublishError);
    expect((brokerRefusal as Error).message).toMatch(/max_message_size \(1048576 bytes\)/);
    expect(refusalMs).toBeLessThan(5_000);
    expect(v.sent).toBe(50 + 1 + 50 + 20);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
  });

  it('F11: poison messages are dead-lettered once each, with their reason, and the worker goes on', async () => {
    const s = await startScenario('F11');
    const worker = await s.worker({ worker: { concurrency: 4 } });
    const producer = await s.client();
    const json = { contentType: 'application/json', contentEncoding: 'utf-8' };
    const poison: { reason: string; id: string; body: string; options: object }[] = [
      { reason: 'bad-json', body: '[[1, 2], {', options: json },
      { reason: 'bad-shape', body: '{"not": "a list"}', options: json },
      {
        reason: 'forbidden-key',
        body: JSON.stringify([[], {}, EMBED]).replace('{}', '{"__proto__": {"x": 1}}'),
        options: json,
      },
      { reason: 'too-deep', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, options: json },
      { reason: 'content-type', body: 'plain words', options: { contentType: 'text/plain' } },
      { reason: 'unknown-task', body: JSON.stringify([[], {}, EMBED]), options: json },
    ].map((p) => ({ ...p, id: randomUUID() }));
    for (const p of poison) {
      const task = p.reason === 'unknown-task' ? 'constructor' : 'faults.record';
      await s.publishRaw(s.queue, p.body, {
        ...p.options,
        headers: celeryHeaders(task, p.id, null, { ignore_result: true }),
      });
    }
    await waitUntil(
      '6 dead letters',
      () => s.depth(deadLetterQueueName(s.queue)),
      (n) => n >= 6,
      15_000,
    );
    // A good task after them: had any poison message gone back to the queue, it would run again first.
    expect(await s.send(producer.client)).toBeNull();
    await s.settle();
    const drained = await s.drainDeadLetters();
    // Nest's static Logger writes to the logger of the app created last, so look in both.
    const warnings = (id: string): number =>
      worker.logger.lines('warn', id).length + producer.logger.lines('warn', id).length;

    const reasons = new Map(
      s.ledger.events.flatMap((ev) => (ev.e === 'dead' ? [[ev.id, ev.reason] as const] : [])),
    );
    const v = s.verdict(
      'poison messages',
      poison.map((p) => `${p.reason} ×${warnings(p.id)}`).join(', '),
    );
    expect(drained).toBe(6);
    for (const p of poison) {
      expect(reasons.get(p.id)).toBe(p.reason);
      expect(warnings(p.id)).toBe(1); // delivered and refused once
    }
    expect(await s.depth()).toBe(0);
    expect(v.lost).toEqual([]);
    expect(v.duplicates).toEqual([]);
    expect(worker.server.health().ok).toBe(true);
  });

  it('F12: an always-failing task runs 1 + maxRetries times, then ends as FAILURE and one dead letter', async () => {
    const s = await startScenario('F12');
    await s.worker();
    const producer = await s.client();
    const results = await Promise.all(
      [1, 2, 3].map(async () => {
        const id = randomUUID();
        const t0 = Date.now();
        const result = await producer.client.send('faults.fail', [], {}, { taskId: id });
        s.ledger.record({ e: 'sent', id, t0, t: Date.now() });
        return result;
      }),
    );
    const outcomes = await Promise.all(
      results.map((r) => r.get({ timeoutMs: 10_000 }).catch((err: unknown) => err)),
    );
    await waitUntil(
      '3 dead letters',
      () => s.depth(deadLetterQueueName(s.queue)),
      (n) => n >= 3,
      10_000,
    );
    await s.drainDeadLetters();

    const v = s.verdict('always-failing handler', `runs per task ${s.ledger.count('started') / 3}`);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(TaskFailedError);
    expect(s.ledger.events.flatMap((ev) => (ev.e === 'dead' ? [ev.reason] : []))).toEqual([
      'task-failed',
      'task-failed',
      'task-failed',
    ]);
    expect(s.ledger.count('started')).toBe(3 * 3); // the first run and maxRetries (2) retries
    expect(v.lost).toEqual([]);
    expect(v.duplicates).toEqual([]);
  });

  it('F16: an unroutable publish rejects; nothing is confirmed silently and publishing goes on', async () => {
    const s = await startScenario('F16');
    await s.worker();
    const producer = await s.client({ createMissingQueues: false });
    const topic = `${s.queue}.topic`;
    const probe = await s.client({
      queues: [
        {
          name: `${s.queue}.bound`,
          exchange: topic,
          exchangeType: 'topic',
          bindingKeys: ['bound.#'],
        },
      ],
    });
    expect(await s.send(probe.client)).toBeNull(); // declares the topic exchange and its one binding

    const attempts = [
      { exchange: topic, routingKey: 'nobody.listens' },
      { exchange: '', routingKey: `${s.queue}.missing` },
      { exchange: `${s.queue}.no-such-exchange`, routingKey: 'x' },
    ];
    const errors: unknown[] = [];
    for (const target of attempts) {
      errors.push((await s.sendRecorded(producer.client, [0], target)).error);
      expect(await s.send(producer.client)).toBeNull(); // the shared channel still works
    }
    await s.settle();

    const health = producer.app.get(TaskQueueRuntime).health().publisher;
    const v = s.verdict('unroutable publish', `3 of 3 rejected with UnroutableError`);
    for (const err of errors) expect(err).toBeInstanceOf(UnroutableError);
    expect((errors[2] as Error).message).toMatch(/does not exist/);
    expect(health).toMatchObject({ channelOpen: true, republished: 0 });
    expect(v.unconfirmedArrivals).toEqual([]);
    expect(v.lost).toEqual([]);
  });
});
