import { deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import { InteropTasks } from './nest-worker/interop.tasks.js';
import {
  broadcastReplies,
  celeryJson,
  dumpCeleryEvents,
  runCelery,
  startPythonWorker,
} from './python.js';

/**
 * Debian's Celery 5.2 command line, run as an operator runs it, against a mixed fleet: two Nest workers
 * and one Python worker on the same broker. Every inspect and control command gets the Nest workers'
 * answers in Celery's shapes, and `celery events --dump` prints their events.
 */
describe('the Celery command line operates Nest workers beside a Python one', () => {
  const queue = uniqueName('interop-cli');
  const pyQueue = `${queue}-py`;
  const nodeA = `nest-a-${queue}@test`;
  const nodeB = `nest-b-${queue}@test`;
  let pyNode: string;
  let a: TestWorker;
  let b: TestWorker;
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let probe: BrokerProbe;

  const nest = (nodeName: string): Promise<TestWorker> =>
    startWorker({ defaultQueue: queue, worker: { queues: [queue], concurrency: 4, nodeName } }, [
      InteropTasks,
    ]);

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    // One after the other: two workers declaring the same topology at once is not what this tests.
    a = await nest(nodeA);
    b = await nest(nodeB);
    python = await startPythonWorker(pyQueue);
    const ping = await celeryJson(['inspect', 'ping'], queue);
    pyNode = Object.keys(ping).find((node) => node.startsWith(`py-${pyQueue}@`)) ?? '';
  }, 120_000);

  afterAll(async () => {
    await python.stop();
    await Promise.all([a.close(), b.close()]);
    await probe.deleteQueues(queue, deadLetterQueueName(queue), pyQueue);
    await probe.deleteExchanges(queue, pyQueue);
    await probe.close();
  });

  it('inspect ping: every node of the mixed fleet answers, each exactly once', async () => {
    expect(pyNode).not.toBe('');
    const replies = await broadcastReplies('ping', {}, queue);
    const fleet = replies
      .flatMap((reply) => Object.keys(reply))
      .filter((node) => [nodeA, nodeB, pyNode].includes(node));
    expect(fleet.sort()).toEqual([nodeA, nodeB, pyNode].sort());
    for (const reply of replies) expect(Object.values(reply)).toEqual([{ ok: 'pong' }]);
  });

  it('inspect registered, stats and active_queues answer in the shapes of a Python worker', async () => {
    const registered = await celeryJson(['inspect', 'registered', '-d', nodeA], queue);
    expect(registered[nodeA]).toEqual(expect.arrayContaining(['tasks.add', 'tasks.sleep']));

    const stats = await celeryJson(['inspect', 'stats', '-d', `${nodeA},${pyNode}`], queue);
    const nestStats = stats[nodeA] as Record<string, unknown>;
    const pyStats = stats[pyNode] as Record<string, unknown>;
    expect(Object.keys(nestStats).sort()).toEqual(Object.keys(pyStats).sort());
    expect(nestStats['pid']).toBe(process.pid);

    const queues = await celeryJson(
      ['inspect', 'active_queues', '-d', `${nodeA},${pyNode}`],
      queue,
    );
    const [nestQueue] = queues[nodeA] as Record<string, unknown>[];
    const [pyQueueInfo] = queues[pyNode] as Record<string, unknown>[];
    expect(nestQueue?.['name']).toBe(queue);
    expect(Object.keys(nestQueue ?? {}).sort()).toEqual(Object.keys(pyQueueInfo ?? {}).sort());
  });

  it('inspect active lists a running task; query_task finds it', async () => {
    const result = await a.client.send('tasks.sleep', [4_000], {}, { queue });
    await expect
      .poll(
        async () => {
          const active = await celeryJson(['inspect', 'active', '-d', `${nodeA},${nodeB}`], queue);
          return [...((active[nodeA] ?? []) as unknown[]), ...((active[nodeB] ?? []) as unknown[])];
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual([expect.objectContaining({ id: result.id, name: 'tasks.sleep', args: [4_000] })]);
    const found = await celeryJson(['inspect', 'query_task', result.id], queue);
    const states = Object.values(found).flatMap(
      (reply) => Object.values(reply as object) as unknown[],
    );
    expect(states).toEqual([['active', expect.objectContaining({ id: result.id })]]);
    await result.get({ timeoutMs: 20_000 });
  });

  it('control rate_limit changes the Nest worker and says so; inspect registered shows it', async () => {
    const run = await runCelery(['control', 'rate_limit', 'tasks.add', '10/s', '-d', nodeB], queue);
    expect(run.stdout).toContain(`${nodeB}: OK`);
    expect(run.stdout).toContain('new rate limit set successfully');
    const registered = await celeryJson(['inspect', 'registered', '-d', nodeB], queue);
    expect(registered[nodeB]).toContain('tasks.add [rate_limit=10/s]');
  });

  it("an unknown command or missing arguments get Celery's error reply, never silence", async () => {
    const unknown = await broadcastReplies('no_such_command', {}, queue);
    expect(unknown).toEqual(
      expect.arrayContaining([{ [nodeA]: { error: "KeyError('no_such_command')" } }]),
    );
    const missing = await broadcastReplies('rate_limit', {}, queue);
    const nestReply = missing.find((reply) => nodeA in reply);
    expect(nestReply?.[nodeA]).toEqual({
      error:
        "TypeError(\"rate_limit() missing 2 required positional arguments: 'task_name' and 'rate_limit'\")",
    });
  });

  it('celery events --dump prints the heartbeats, and task events once enable_events turned them on', async () => {
    const dump = dumpCeleryEvents(queue);
    try {
      await expect
        .poll(() => dump.output(), { timeout: 20_000, interval: 250 })
        .toContain(`${nodeA} [`);
      expect(dump.output()).toMatch(
        new RegExp(`${escape(nodeA)} \\[[^\\]]+\\] heartbeat: .*sw_ident=celeriac`),
      );

      const enabled = await celeryJson(
        ['control', 'enable_events', '-d', `${nodeA},${nodeB}`],
        queue,
      );
      expect(enabled[nodeA]).toEqual({ ok: 'task events enabled' });
      const result = await a.client.send('tasks.add', [2, 3], {}, { queue });
      await expect(result.get({ timeoutMs: 20_000 })).resolves.toBe(5);
      await expect
        .poll(() => dump.output(), { timeout: 20_000, interval: 250 })
        .toMatch(
          new RegExp(`task succeeded: tasks\\.add\\(${result.id}\\) args=\\(2, 3\\).*result=5`),
        );
      expect(dump.output()).toContain(`task received: tasks.add(${result.id})`);
      expect(dump.output()).toContain(`task started: tasks.add(${result.id})`);
    } finally {
      await celeryJson(['control', 'disable_events', '-d', `${nodeA},${nodeB}`], queue);
      await dump.stop();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
