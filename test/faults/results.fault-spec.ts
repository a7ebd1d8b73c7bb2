import { randomUUID } from 'node:crypto';
import { deadLetterQueueName, ResultUnavailableError, signature, type AsyncResult } from 'celeriac';
import { Redis } from 'ioredis';
import { BrokerProbe, RABBITMQ_URL, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';
import { FileLedger, type LedgerEvent } from './support/ledger.js';
import { OwnRedis } from './support/own-redis.js';
import { waitUntil } from './support/scenario.js';
import { buildFaultsWorker, ledgerFile, WorkerProcess } from './support/worker-process.js';

/**
 * Faults of the Redis result backend (issue 14). Each test runs its own redis-server on its own port (never
 * the shared one) and real worker processes, so a SIGKILL of Redis or of a worker is a real one.
 */
describe('Redis result backend faults', () => {
  const redis = new OwnRedis(6390);
  const workers: WorkerProcess[] = [];
  let client: TestClient | undefined;
  let queue = '';
  let ledger = '';

  beforeAll(async () => {
    await buildFaultsWorker();
  });

  beforeEach(async () => {
    queue = uniqueName('results-fault');
    ledger = ledgerFile(queue);
    await redis.start();
    client = await startClient({ defaultQueue: queue, resultBackend: redis.url });
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await client?.close();
    await redis.dispose();
    WorkerProcess.removeLedger(ledger);
    const probe = await BrokerProbe.open();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  async function startWorker(
    env: Record<string, string> = {},
    concurrency = 4,
  ): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start({
      url: RABBITMQ_URL,
      queue,
      ledger,
      concurrency,
      env: { FAULTS_RESULT_BACKEND: redis.url, ...env },
    });
    workers.push(worker);
    return worker;
  }

  function rows(id: string, e: LedgerEvent['e']): LedgerEvent[] {
    return FileLedger.read(ledger).filter((ev) => ev.e === e && 'id' in ev && ev.id === id);
  }

  it('Redis killed and restarted while results are written: every acked result is there (lost = 0)', async () => {
    const worker = await startWorker();
    const sent: AsyncResult[] = [];
    for (let i = 0; i < 150; i++) sent.push(await client!.client.send('faults.record', [20]));
    // Kill Redis once a third of the results are stored; the rest are written around the outage.
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await waitUntil(
      'a third of the results stored',
      async () => (await probe.keys('celery-task-meta-*')).length,
      (n) => n >= 50,
      30_000,
    );
    probe.disconnect();
    await redis.kill();
    // Keep Redis down until the worker has tried to write and seen it gone: those results wait, unacked.
    await waitUntil(
      'the worker to see Redis gone',
      () => worker.log.includes('ECONNREFUSED'),
      Boolean,
      30_000,
    );
    await redis.start();
    const missing: string[] = [];
    for (const handle of sent) {
      const value = await handle.get({ timeoutMs: 60_000 }).catch(() => null);
      if (value !== handle.id) missing.push(handle.id);
    }
    console.log(`[faults] redis restart: sent ${sent.length}, lost ${missing.length}`);
    expect(missing).toEqual([]);
  });

  it('Redis unreachable at get(): a clear error within the timeout', async () => {
    await redis.kill();
    const started = Date.now();
    const err = await client!.client
      .result(randomUUID())
      .get({ timeoutMs: 2_000 })
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(ResultUnavailableError);
    expect((err as ResultUnavailableError).reason).toBe('unreachable');
    expect((err as Error).message).toContain(`127.0.0.1:${redis.port}`);
    expect(took).toBeLessThan(3_000);
  });

  it("a chord whose body's worker dies: the body still runs to the end once, with every member", async () => {
    await startWorker({}, 2);
    await startWorker({}, 2);
    const header = Array.from({ length: 4 }, () => signature('faults.record', [10]));
    const body = signature<string[]>('faults.collect', [3_000]);
    const result = await client!.client.chord(header, body);
    const [bodyStart] = await waitUntil(
      'the body to start',
      () => rows(body.id, 'started'),
      (found) => found.length > 0,
      30_000,
    );
    const victim = workers.find((w) => bodyStart && 'pid' in bodyStart && w.pid === bodyStart.pid);
    expect(victim).toBeDefined();
    victim?.signal('SIGKILL');
    await expect(result.get({ timeoutMs: 60_000 })).resolves.toEqual(header.map((s) => s.id));
    expect(rows(body.id, 'done')).toHaveLength(1);
    console.log(
      JSON.stringify(FileLedger.read(ledger).filter((ev) => 'id' in ev && ev.id === body.id)),
    );
    console.log(
      `[faults] chord body worker killed: body started ${rows(body.id, 'started').length}x, done ${rows(body.id, 'done').length}x`,
    );
  });

  it("a worker killed between a member's result and its ack: the member is counted once", async () => {
    // This worker SIGKILLs itself the moment it counts a chord member: result stored, count made, no ack.
    const doomed = await startWorker({ FAULTS_DIE_ON_CHORD_JOIN: redis.url }, 1);
    const header = Array.from({ length: 3 }, () => signature('faults.record', [0]));
    const body = signature<string[]>('faults.collect', [0]);
    const result = await client!.client.chord(header, body);
    await doomed.exited;
    // The member the doomed worker finished: its result and its count are in Redis, its ack never went.
    const victim = header.find((s) =>
      rows(s.id, 'done').some((ev) => 'pid' in ev && ev.pid === doomed.pid),
    );
    expect(victim).toBeDefined();
    expect(await client!.client.result(victim?.id ?? '').refresh()).toBe('SUCCESS');
    await startWorker();
    await expect(result.get({ timeoutMs: 60_000 })).resolves.toEqual(header.map((s) => s.id));
    // Redelivered and run again, yet counted once: the body got three values, not four, and ran once.
    expect(rows(victim?.id ?? '', 'done')).toHaveLength(2);
    expect(rows(body.id, 'done')).toHaveLength(1);
    console.log(
      `[faults] member killed before ack: member ran ${rows(victim?.id ?? '', 'done').length}x, body got ${String((await result.get()).length)} values, body ran ${rows(body.id, 'done').length}x`,
    );
  });
});
