import { Beat, resolveBeatEntry, resolveOptions, tickId } from 'celeriac';
import { BrokerProbe, RABBITMQ_URL, uniqueName } from '../support/broker.js';
import { startPythonWorker } from './python.js';

/** Celery 5.2's log line for a finished task: `Task tasks.add[<id>] succeeded in 0.001s: 5`. */
const SUCCEEDED = /Task (\S+)\[([0-9a-f-]{36})\] succeeded in [\d.e-]+s: (.*)$/;

describe('a Celeriac beat drives a Python Celery 5.2 worker', () => {
  const queue = uniqueName('interop-beat');
  const prefix = uniqueName('interop-beat');
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let beat: Beat | undefined;
  const succeeded: { task: string; id: string; result: string }[] = [];

  beforeAll(async () => {
    python = await startPythonWorker(queue);
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        const m = SUCCEEDED.exec(line.trim());
        if (m) succeeded.push({ task: m[1] ?? '', id: m[2] ?? '', result: m[3] ?? '' });
      }
    };
    python.child.stdout?.on('data', onData);
    python.child.stderr?.on('data', onData);
  }, 60_000);

  afterAll(async () => {
    await beat?.close();
    await python.stop();
    const probe = await BrokerProbe.open();
    await probe.deleteQueues(queue, `${prefix}.leader`, `${prefix}.ticks`);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('runs the ticks as ordinary tasks, under their deterministic ids', async () => {
    const options = resolveOptions({
      url: RABBITMQ_URL,
      defaultQueue: queue,
      beat: { prefix, pulseIntervalMs: 250, leaseMs: 1_000 },
    });
    const entries = [
      resolveBeatEntry(
        'add-every-half-second',
        { task: 'tasks.add', schedule: 0.5, args: [2, 3] },
        'add',
      ),
      resolveBeatEntry(
        'add-by-cron',
        { task: 'tasks.add', schedule: '* * * * * *', kwargs: { x: 40, y: 2 }, options: { queue } },
        'cron',
      ),
    ];
    beat = new Beat(options, entries);
    await beat.start();
    const deadline = Date.now() + 20_000;
    while (succeeded.filter((s) => s.result === '42').length < 3 || succeeded.length < 8) {
      if (Date.now() > deadline) throw new Error(`Python ran only ${succeeded.length} ticks`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await beat.close();
    beat = undefined;
    // Every id Python ran is a tick id of one entry at a whole due time, and none ran twice.
    const due = (entry: string, step: number) => {
      const ids = new Set<string>();
      const now = Date.now();
      for (let t = Math.floor((now - 60_000) / step) * step; t <= now; t += step)
        ids.add(tickId(entry, t));
      return ids;
    };
    const halfSecond = due('add-every-half-second', 500);
    const everySecond = due('add-by-cron', 1_000);
    for (const run of succeeded) {
      expect(run.task).toBe('tasks.add');
      if (run.result === '5') expect(halfSecond.has(run.id)).toBe(true);
      else expect([run.result, everySecond.has(run.id)]).toEqual(['42', true]);
    }
    expect(new Set(succeeded.map((s) => s.id)).size).toBe(succeeded.length);
  });
});
