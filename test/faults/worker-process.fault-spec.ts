import { FileLedger } from './support/ledger.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { Scenario, waitUntil } from './support/scenario.js';
import { buildFaultsWorker, ledgerFile, WorkerProcess } from './support/worker-process.js';

/**
 * Worker processes that die or are stopped (reliability.md §6, F5–F6). The workers are real processes
 * (`nest build faults-worker`), writing an fdatasync'ed JSONL ledger, so a SIGKILL is a real one.
 */
describe('worker process faults', () => {
  const startScenario = faultScenarios();
  let ledger: string | undefined;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await buildFaultsWorker();
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    if (ledger) WorkerProcess.removeLedger(ledger);
  });

  async function startWorkers(s: Scenario, count: number, concurrency: number, graceMs?: number) {
    ledger = ledgerFile(s.id);
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        WorkerProcess.start({
          url: s.vhost.url,
          queue: s.queue,
          ledger: ledger ?? '',
          concurrency,
          ...(graceMs !== undefined ? { graceMs } : {}),
        }),
      ),
    );
    workers.push(...started);
    return started;
  }

  /** Waits until every confirmed task has a `done` row in the file, then merges the file into the ledger. */
  async function settleFromFile(s: Scenario, file: string): Promise<void> {
    await waitUntil(
      'every confirmed task done by a worker process',
      () => {
        // In-process workers write to the scenario's ledger; worker processes to the file.
        const done = new Set([
          ...FileLedger.read(file).flatMap((ev) => (ev.e === 'done' ? [ev.id] : [])),
          ...s.ledger.ids('done'),
        ]);
        return [...s.ledger.ids('sent')].filter((id) => !done.has(id)).length;
      },
      (missing) => missing === 0,
      60_000,
    );
    s.ledger.merge(FileLedger.read(file).filter((ev) => ev.e !== 'ready'));
  }

  it('F5: SIGKILL of a worker mid-task: another worker runs the task again, redelivered', async () => {
    const s = await startScenario('F5');
    const producer = await s.client();
    const [a, b] = await startWorkers(s, 2, 2);
    const errors = await s.sendMany(producer.client, 12, { sleepMs: 600 });
    expect(errors).toEqual([]);

    await waitUntil(
      'worker A to be mid-task',
      () => {
        const rows = a!.events();
        const done = new Set(rows.flatMap((ev) => (ev.e === 'done' ? [ev.id] : [])));
        return rows.flatMap((ev) => (ev.e === 'started' && !done.has(ev.id) ? [ev.id] : []));
      },
      (ids) => ids.length > 0,
      15_000,
    );
    const from = Date.now();
    a!.signal('SIGKILL');
    const exit = await a!.exited;
    s.faults.push({ label: 'SIGKILL worker A', from, to: exit.at, pid: a!.pid });
    await settleFromFile(s, ledger ?? '');

    // The tasks A had started and not finished when it died...
    const aRows = s.ledger.events.filter((ev) => 'pid' in ev && ev.pid === a!.pid);
    const aDone = new Set(aRows.flatMap((ev) => (ev.e === 'done' ? [ev.id] : [])));
    const killedMidTask = [
      ...new Set(aRows.flatMap((ev) => (ev.e === 'started' && !aDone.has(ev.id) ? [ev.id] : []))),
    ];
    const bDone = s.ledger.events.filter((ev) => ev.e === 'done' && ev.pid === b!.pid);
    const v = s.verdict(
      'SIGKILL a worker process mid-task',
      `killed mid-task ${killedMidTask.length}, redone by worker B ${killedMidTask.length}`,
    );
    expect(exit.signal).toBe('SIGKILL');
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(killedMidTask.length).toBeGreaterThan(0);
    // ...ran again on B, flagged as redelivered; every other task ran once.
    for (const id of killedMidTask) {
      const redone = bDone.flatMap((ev) =>
        ev.e === 'done' && ev.id === id ? [ev.redelivered] : [],
      );
      expect(redone).toEqual([true]);
    }
    expect(s.ledger.count('done')).toBe(12);
  });

  it('F6: SIGTERM of a worker: running tasks finish, no new ones start, no duplicates, exit 0', async () => {
    const s = await startScenario('F6');
    const producer = await s.client();
    const [w] = await startWorkers(s, 1, 3, 10_000);
    const errors = await s.sendMany(producer.client, 10, { sleepMs: 800 });
    expect(errors).toEqual([]);
    await waitUntil(
      'three tasks running',
      () => w!.events().filter((ev) => ev.e === 'started').length,
      (n) => n >= 3,
      15_000,
    );

    const termAt = Date.now();
    w!.signal('SIGTERM');
    const exit = await w!.exited;
    const rows = w!.events();
    const startedBefore = rows.flatMap((ev) =>
      ev.e === 'started' && ev.t <= termAt ? [ev.id] : [],
    );
    const startedAfter = rows.filter((ev) => ev.e === 'started' && ev.t > termAt);
    const doneByW = rows.flatMap((ev) => (ev.e === 'done' ? [ev.id] : []));

    // The rest goes to a second worker, which must find them all back in the queue.
    await s.worker({ worker: { concurrency: 10 } });
    await settleFromFile(s, ledger ?? '');
    const v = s.verdict(
      'SIGTERM a worker process',
      `running at SIGTERM ${startedBefore.length}, finished by it ${doneByW.length}, ` +
        `exit ${exit.code} after ${exit.at - termAt} ms`,
    );
    expect(exit.code).toBe(0);
    expect(exit.signal).toBeNull();
    expect(w!.log).toContain('Worker closed');
    expect(startedAfter).toEqual([]);
    expect(doneByW.sort()).toEqual(startedBefore.sort());
    expect(v.lost).toEqual([]);
    expect(v.duplicates).toEqual([]);
    expect(s.ledger.count('done')).toBe(10);
  });
});
