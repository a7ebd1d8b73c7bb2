import { chordSignature, deadLetterQueueName, signature } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import { REDIS_URL, deleteKeys, redisProbe } from '../support/redis.js';
import { InteropTasks } from './nest-worker/interop.tasks.js';
import { runPythonJson, startPythonWorker } from './python.js';

/**
 * Results and chords through Celery's Redis backend, both ways: a Python Celery 5.2 client on Nest
 * workers, a Nest client on Python workers, and chords whose header members run on both.
 */
describe('Redis results and chords between Python Celery 5.2 and Nest', () => {
  const nestQueue = uniqueName('interop-redis-nest');
  const pyQueue = uniqueName('interop-redis-py');
  // Ten minutes: what a run leaves in the shared Redis (a Python errback's result, a chord's .d set that a
  // Python worker finished) goes away soon.
  const env = { CELERY_RESULT_BACKEND: REDIS_URL, CELERY_RESULT_EXPIRES: '600' };
  let worker: TestWorker;
  let python: { stop: () => Promise<void> };
  const redis = redisProbe();
  const ids: string[] = [];

  beforeAll(async () => {
    worker = await startWorker(
      {
        defaultQueue: nestQueue,
        resultBackend: REDIS_URL,
        resultExpires: 600,
        worker: { queues: [nestQueue], concurrency: 10 },
      },
      [InteropTasks],
    );
    python = await startPythonWorker(pyQueue, env);
  });

  afterAll(async () => {
    await python.stop();
    await worker.close();
    await deleteKeys(redis, ...ids.map((id) => `celery-task*-meta-${id}*`));
    redis.disconnect();
    const probe = await BrokerProbe.open();
    await probe.deleteQueues(nestQueue, deadLetterQueueName(nestQueue), pyQueue);
    await probe.deleteExchanges(nestQueue, pyQueue);
    await probe.close();
  });

  it('a Python client reads results by id and runs chords on the Nest worker (mixed members too)', async () => {
    const cases = await runPythonJson(['redis_cases.py', 'cases', '--mixed-queue', pyQueue], {
      ...env,
      CELERY_QUEUE: nestQueue,
    });
    const byName = new Map(cases.map((c) => [c['case'], c]));
    for (const name of [
      'result_by_id',
      'chord_sum',
      'chord_failure',
      'chain_into_chord',
      'chord_mixed',
    ]) {
      expect(byName.get(name)?.['ok'], `${name}: ${JSON.stringify(byName.get(name))}`).toBe(true);
    }
    expect(byName.get('chord_sum')?.['detail']).toEqual({ value: 90 });
  });

  it('Python reads a result a Nest worker stored', async () => {
    const sent = await worker.client.send<number>('tasks.add', [3, 4], {}, { queue: nestQueue });
    ids.push(sent.id);
    await expect(sent.get({ timeoutMs: 15_000 })).resolves.toBe(7);
    const [read] = await runPythonJson(['redis_cases.py', 'read', sent.id], env);
    expect(read).toEqual({ ok: true, value: 7 });
  });

  it('a Nest client reads what a Python worker stored, and its chord on Python workers gives 90', async () => {
    const sent = await worker.client.send<number>('tasks.add', [5, 6], {}, { queue: pyQueue });
    ids.push(sent.id);
    await expect(sent.get({ timeoutMs: 15_000 })).resolves.toBe(11);
    const header = Array.from({ length: 10 }, (_, i) =>
      signature('tasks.add', [i, i], {}, { queue: pyQueue }),
    );
    const body = signature<number>('tasks.tsum', [], {}, { queue: pyQueue });
    const result = await worker.client.chord(header, body);
    ids.push(...header.map((s) => s.id), body.id);
    await expect(result.get({ timeoutMs: 20_000 })).resolves.toBe(90);
  });

  it("a Nest client's chain into a chord runs on Python workers (Celery starts the chord)", async () => {
    const header = [0, 1, 2].map((i) => signature('tasks.add', [i], {}, { queue: pyQueue }));
    const body = signature<number>('tasks.tsum', [], {}, { queue: pyQueue });
    const result = await worker.client.chain<number>([
      signature('tasks.add', [1, 1], {}, { queue: pyQueue }),
      chordSignature(header, body),
    ]);
    ids.push(result.id, ...header.map((s) => s.id));
    await expect(result.get({ timeoutMs: 20_000 })).resolves.toBe(9);
  });

  it("a Nest client's chord with members on both workers joins once", async () => {
    const header = Array.from({ length: 10 }, (_, i) =>
      signature('tasks.add', [i, i], {}, { queue: i % 2 ? pyQueue : nestQueue }),
    );
    const body = signature<number>('tasks.tsum');
    const result = await worker.client.chord(header, body);
    ids.push(...header.map((s) => s.id), body.id);
    await expect(result.get({ timeoutMs: 20_000 })).resolves.toBe(90);
  });
});
