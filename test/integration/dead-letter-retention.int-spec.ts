import { deadLetterQueueName, TaskQueueRuntime } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

describe('dead-letter retention on the real broker', () => {
  let probe: BrokerProbe;
  const workers: TestWorker[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await probe.deleteQueues(...queues.flatMap((q) => [q, deadLetterQueueName(q)]));
    await probe.close();
  });

  it('keeps at most maxLength dead letters for at most maxAgeMs, and warns past warnDepth', async () => {
    const queue = uniqueName('dl-retention');
    queues.push(queue);
    const worker = await startWorker(
      {
        defaultQueue: queue,
        worker: {
          queues: [queue],
          deadLetters: { maxAgeMs: 2_000, maxLength: 5, warnDepth: 3, checkIntervalMs: 200 },
        },
      },
      [],
    );
    workers.push(worker);
    const dead = deadLetterQueueName(queue);

    for (let i = 0; i < 8; i++) await probe.publishRaw(dead, `dead letter ${i}`);

    // x-max-length: the oldest three were dropped at once.
    expect(await probe.depth(dead)).toBe(5);
    const runtime = worker.app.get(TaskQueueRuntime);
    await vi.waitFor(
      () => {
        expect(runtime.health().warnings.join('\n')).toContain(`"${dead}" holds 5 message(s)`);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(runtime.health().ok).toBe(true);
    expect(worker.logger.lines('warn', `Dead-letter queue "${dead}" holds 5`)).toHaveLength(1);
    // x-message-ttl: gone after maxAgeMs.
    await vi.waitFor(
      async () => {
        expect(await probe.depth(dead)).toBe(0);
      },
      { timeout: 10_000, interval: 200 },
    );
    await vi.waitFor(
      () => {
        expect(runtime.health().warnings).toEqual([]);
      },
      { timeout: 5_000, interval: 100 },
    );
  });

  it('leaves a dead-letter queue declared without retention as it is, and the task queue argument-less', async () => {
    const queue = uniqueName('dl-upgrade');
    queues.push(queue);
    const dead = deadLetterQueueName(queue);
    // As an earlier version declared it: no arguments. Redeclaring it with retention would be a 406.
    await probe.declareQueue(dead, { durable: true });

    const worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], deadLetters: { maxLength: 5 } } },
      [],
    );
    workers.push(worker);

    expect(worker.app.get(TaskQueueRuntime).health().worker?.consuming).toBe(true);
    // Both still match an argument-less declaration, as Celery makes one: no 406.
    await expect(probe.declareQueue(dead, { durable: true })).resolves.toBeUndefined();
    await expect(probe.declareQueue(queue, { durable: true })).resolves.toBeUndefined();
  });
});
