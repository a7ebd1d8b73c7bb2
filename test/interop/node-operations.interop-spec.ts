import { firstValueFrom, filter } from 'rxjs';
import { type CeleryEvent, deadLetterQueueName, TaskEventStream, WorkerInspector } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import { InteropTasks } from './nest-worker/interop.tasks.js';
import { runCli } from '../support/cli.js';
import { celeryJson, startPythonWorker } from './python.js';

/**
 * The Node side of operations (`WorkerInspector`, `TaskEventStream`) against a Python Celery 5.2 worker
 * and a Nest worker on one broker: what an API app uses where an operator would use the Celery CLI.
 */
describe('WorkerInspector and TaskEventStream work against Python and Nest workers', () => {
  const queue = uniqueName('interop-ops');
  const pyQueue = `${queue}-py`;
  const nestNode = `nest-ops-${queue}@test`;
  let pyNode: string;
  let worker: TestWorker;
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let probe: BrokerProbe;
  let inspector: WorkerInspector;
  let events: TaskEventStream;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        events: { taskEvents: true, taskSent: true },
        worker: { queues: [queue], concurrency: 4, nodeName: nestNode },
      },
      [InteropTasks],
    );
    inspector = worker.app.get(WorkerInspector);
    events = worker.app.get(TaskEventStream);
    python = await startPythonWorker(pyQueue);
    const ping = await celeryJson(['inspect', 'ping'], queue);
    pyNode = Object.keys(ping).find((node) => node.startsWith(`py-${pyQueue}@`)) ?? '';
  }, 120_000);

  afterAll(async () => {
    await python.stop();
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue), pyQueue);
    await probe.deleteExchanges(queue, pyQueue);
    await probe.close();
  });

  it('ping names the nodes that answered and those that did not', async () => {
    const ghost = `ghost-${queue}@nowhere`;
    const { replies, missing } = await inspector.ping({
      destination: [nestNode, pyNode, ghost],
      timeoutMs: 3_000,
    });
    expect(replies).toEqual({ [nestNode]: { ok: 'pong' }, [pyNode]: { ok: 'pong' } });
    expect(missing).toEqual([ghost]);
  });

  it('celeriac inspect ping sees the Python worker and the Nest worker', async () => {
    const run = await runCli([
      'inspect',
      'ping',
      '--json',
      '--timeout',
      '3',
      '-d',
      `${nestNode},${pyNode}`,
    ]);
    expect(JSON.parse(run.stdout)).toEqual({
      [nestNode]: { ok: 'pong' },
      [pyNode]: { ok: 'pong' },
    });
  });

  it('inspect gets typed replies from a Python worker and a Nest worker alike', async () => {
    const { replies } = await inspector.inspect('registered', {
      destination: [nestNode, pyNode],
      timeoutMs: 3_000,
    });
    expect(replies[pyNode]).toContain('tasks.add');
    expect(replies[nestNode]).toContain('tasks.add');
    const stats = await inspector.inspect('stats', {
      pattern: `py-${pyQueue}@*`,
      timeoutMs: 3_000,
    });
    expect(Object.keys(stats.replies)).toEqual([pyNode]);
    expect(stats.replies[pyNode]?.pid).toBeGreaterThan(0);
  });

  it('control changes a Python worker as Celery would', async () => {
    const { replies } = await inspector.control(
      'rate_limit',
      { task_name: 'tasks.add', rate_limit: '7/m' },
      { destination: [pyNode], timeoutMs: 3_000 },
    );
    expect(replies).toEqual({ [pyNode]: { ok: 'new rate limit set successfully' } });
    const registered = await inspector.inspect('registered', {
      destination: [pyNode],
      timeoutMs: 3_000,
    });
    expect(registered.replies[pyNode]).toContain('tasks.add [rate_limit=7/m]');
  });

  it('events: the Python worker heartbeats, and the task-sent and task events of a Nest task', async () => {
    const heartbeat = firstValueFrom(
      events
        .observe({ routingKey: 'worker.#' })
        .pipe(filter((e) => e.hostname === pyNode && e.type === 'worker-heartbeat')),
    );
    const seen: CeleryEvent[] = [];
    const sent: { id?: string } = {};
    // task-sent (from the client, after the broker's confirm) and task-succeeded (from the worker) race.
    const bothSeen = (): boolean =>
      ['task-sent', 'task-succeeded'].every((type) =>
        seen.some((e) => e.type === type && e.uuid === sent.id),
      );
    const collecting = (async () => {
      for await (const event of events.iterate()) {
        seen.push(event);
        if (bothSeen()) return;
      }
    })();
    // Subscribed once the first event (a heartbeat, every 2 s) came through.
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const result = await worker.client.send('tasks.add', [4, 5], {}, { queue });
    sent.id = result.id;
    await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe(9);
    await collecting;
    const mine = seen.filter((e) => e.uuid === result.id).map((e) => e.type);
    expect(mine).toEqual(
      expect.arrayContaining(['task-sent', 'task-received', 'task-started', 'task-succeeded']),
    );
    expect(seen.find((e) => e.type === 'task-succeeded' && e.uuid === result.id)).toMatchObject({
      hostname: nestNode,
      result: '9',
    });
    await expect(heartbeat).resolves.toMatchObject({ sw_ident: 'py-celery', freq: 2 });
  });

  it('purge empties a queue and says how many it deleted', async () => {
    const scratch = uniqueName('interop-ops-purge');
    await probe.declareQueue(scratch);
    for (let i = 0; i < 3; i++) await probe.publishRaw(scratch, `{"n": ${i}}`);
    await expect(inspector.purge(scratch)).resolves.toBe(3);
    await expect(probe.depth(scratch)).resolves.toBe(0);
    await probe.deleteQueues(scratch);
  });
});
