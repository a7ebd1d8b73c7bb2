import { deadLetterQueueName, DEAD_LETTER_HEADERS } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import { InteropTasks } from './nest-worker/interop.tasks.js';
import { runPythonClientCases, type CaseResult } from './python.js';

/** Every case client_cases.py runs; each must pass against the Nest worker. */
const CASES = [
  'args',
  'kwargs',
  'unicode',
  'nested',
  'big',
  'failure',
  'invalid_args',
  'missing_args',
  'countdown',
  'expires_past',
  'chain',
  'group',
  'link',
  'link_error',
  'ignore_result',
  'headers',
  'unknown_task',
  'pickle_content_type',
] as const;

describe('a Python Celery 5.2 client calls tasks on the Nest worker', () => {
  const queue = uniqueName('interop-py-client');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let results: Map<string, CaseResult>;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        maxPayloadBytes: 4 * 1024 * 1024,
        worker: { queues: [queue], concurrency: 10 },
      },
      [InteropTasks],
    );
    results = await runPythonClientCases(queue, 20);
  }, 180_000);

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it.each(CASES)('%s', (name) => {
    const result = results.get(name);
    expect(result, `client_cases.py reported nothing for ${name}`).toBeDefined();
    expect(result?.ok, JSON.stringify(result?.detail)).toBe(true);
  });

  it('dead-lettered what it refused (unknown task, pickle), each with its reason', async () => {
    const reasons: unknown[] = [];
    for (;;) {
      const letter = await probe.get(deadLetterQueueName(queue));
      if (!letter) break;
      reasons.push(letter.properties.headers?.[DEAD_LETTER_HEADERS.reason]);
    }
    expect(reasons).toEqual(
      expect.arrayContaining(['unknown-task', 'content-type', 'task-failed', 'expired']),
    );
  });
});
