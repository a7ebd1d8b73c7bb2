import { deadLetterQueueName } from 'celeriac';
import { startClient, type TestClient } from '../support/apps.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import {
  buildPoolWorker,
  isAlive,
  PoolProcess,
  type PoolWorkerBuild,
} from '../pool/pool-process.js';
import type { PoolTaskRun } from '../pool/pool-worker/pool.tasks.js';

/**
 * `-P processes`: the pool worker (test/pool/pool-worker) built once and run as real processes, a
 * supervisor and its children, against the real broker.
 */
describe('the process pool (-P processes) on the real broker', () => {
  let build: PoolWorkerBuild | undefined;
  let probe: BrokerProbe;
  let producer: TestClient;
  const queues: string[] = [];
  const pools: PoolProcess[] = [];

  beforeAll(async () => {
    build = await buildPoolWorker();
    probe = await BrokerProbe.open();
    producer = await startClient({});
  }, 120_000);

  afterEach(async () => {
    // Whatever a test left running (a failed assertion mid-test) goes, children included.
    for (const pool of pools.splice(0)) await pool.destroy();
  });

  afterAll(async () => {
    await build?.remove();
    await producer.close();
    for (const q of queues) {
      await probe.deleteQueues(q, deadLetterQueueName(q));
      await probe.deleteExchanges(q);
    }
    await probe.close();
  });

  /** Runs the built pool worker with these flags; `queue` becomes its default queue. */
  function start(args: readonly string[], queue: string, env: NodeJS.ProcessEnv = {}): PoolProcess {
    if (!build) throw new Error('the pool worker was not built');
    const pool = new PoolProcess(build.main, args, queue, env);
    pools.push(pool);
    return pool;
  }

  /** Starts a pool on a fresh queue and waits until all its `processes` children consume. */
  async function startPool(
    processes: number,
    extraFlags: readonly string[] = [],
  ): Promise<{ pool: PoolProcess; queue: string; children: number[] }> {
    const queue = uniqueName('pool');
    queues.push(queue);
    const pool = start(
      ['-P', 'processes', '-c', String(processes), '-Q', queue, ...extraFlags],
      queue,
    );
    const all = await pool.waitFor(/All \d+ worker process\(es\) consume \(pids ([\d, ]+)\)/);
    const children = (all[1] ?? '').split(', ').map(Number);
    expect(children).toHaveLength(processes);
    return { pool, queue, children };
  }

  async function send(queue: string, label: string, ms: number) {
    return producer.client.send<PoolTaskRun>('pool.run', [label, ms], {}, { queue });
  }

  it('runs tasks in two worker processes, neither of them the supervisor', async () => {
    const { pool, queue, children } = await startPool(2);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(queue, `t${i}`, 300)),
    );
    const runs = await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })));

    const pids = new Set(runs.map((run) => run.pid));
    expect([...pids].sort()).toEqual([...children].sort());
    expect(pids.has(pool.pid)).toBe(false);
    expect(runs.every((run) => !run.redelivered)).toBe(true);
  });

  it('replaces a worker process killed mid-task, and the broker redelivers its task', async () => {
    const { pool, queue, children } = await startPool(2);
    const result = await send(queue, 'victim', 2_000);
    const started = await pool.waitFor(/POOL-TASK-START victim pid=(\d+) redelivered=false/);
    const victim = Number(started[1]);
    expect(children).toContain(victim);

    process.kill(victim, 'SIGKILL');

    const run = await result.get({ timeoutMs: 20_000 });
    expect(run.redelivered).toBe(true);
    expect(run.pid).not.toBe(victim);
    await pool.waitFor(
      new RegExp(`Worker process pid ${victim} exited unexpectedly \\(signal SIGKILL\\)`),
    );
    const replaced = await pool.waitFor(
      new RegExp(`Started worker process pid (\\d+) in place of pid ${victim}`),
    );
    const replacement = Number(replaced[1]);
    expect(children).not.toContain(replacement);
    await pool.waitFor(new RegExp(`Worker process pid ${replacement} \\(.*\\) consumes`));
    expect(isAlive(replacement)).toBe(true);
    expect(pool.matches(/POOL-TASK-DONE victim/), pool.tail()).toHaveLength(1);
  });

  it('kills a worker process whose task ran past its hard time limit, and replaces it', async () => {
    const { pool, queue, children } = await startPool(1);
    const runaway = await producer.client.send('pool.runaway', [], {}, { queue });
    await expect(runaway.get({ timeoutMs: 10_000 })).rejects.toMatchObject({
      excType: 'TimeLimitExceeded',
    });
    const [victim] = children;
    await pool.waitFor(
      new RegExp(`Recycling worker process pid ${String(victim)} .*hard time limit`),
    );
    await pool.waitFor(new RegExp(`Worker process pid ${String(victim)} exited after recycling`));
    expect(isAlive(victim ?? 0)).toBe(false);
    // The next task runs in the replacement, and the runaway handler died with its process.
    const next = await (await send(queue, 'after', 0)).get({ timeoutMs: 15_000 });
    expect(next.pid).not.toBe(victim);
    expect(pool.matches(/POOL-TASK-DONE runaway/)).toHaveLength(0);
  });

  it('recycles a worker process after --max-tasks-per-child tasks without losing or repeating one', async () => {
    const { pool, queue } = await startPool(1, ['--max-tasks-per-child', '3']);
    const labels = Array.from({ length: 7 }, (_, i) => `r${i}`);
    const results = await Promise.all(labels.map((label) => send(queue, label, 50)));
    const runs = await Promise.all(results.map((r) => r.get({ timeoutMs: 20_000 })));

    expect(runs.map((run) => run.label)).toEqual(labels);
    expect(runs.every((run) => !run.redelivered)).toBe(true);
    // Each task started exactly once, and no process ran more than three.
    for (const label of labels) {
      expect(pool.matches(new RegExp(`POOL-TASK-START ${label} `)), pool.tail()).toHaveLength(1);
    }
    const perPid = new Map<number, number>();
    for (const run of runs) perPid.set(run.pid, (perPid.get(run.pid) ?? 0) + 1);
    expect([...perPid.values()].sort()).toEqual([1, 3, 3]);

    await pool.waitFor(/exited after recycling/);
    await expect
      .poll(() => pool.matches(/Worker process pid \d+ exited after recycling/).length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(
      pool.matches(/Recycling worker process pid \d+ after 3 task\(s\)/),
      pool.tail(),
    ).toHaveLength(2);
    expect(pool.matches(/exited unexpectedly/), pool.tail()).toHaveLength(0);
    expect(await probe.depth(queue)).toBe(0);
  });

  it('recycles a worker process whose memory is above --max-memory-per-child after a task', async () => {
    // 1 KiB: any process is above it, so every child goes after its first task.
    const { pool, queue } = await startPool(1, ['--max-memory-per-child', '1']);
    const first = await (await send(queue, 'm0', 0)).get({ timeoutMs: 15_000 });
    const second = await (await send(queue, 'm1', 0)).get({ timeoutMs: 15_000 });

    expect(second.pid).not.toBe(first.pid);
    await pool.waitFor(
      new RegExp(`Recycling worker process pid ${first.pid} after 1 task\\(s\\).*resident memory`),
    );
  });

  it('on SIGTERM lets running tasks finish, then every process exits and the supervisor exits 0', async () => {
    const { pool, queue, children } = await startPool(2);
    const results = await Promise.all([send(queue, 'long-a', 1_500), send(queue, 'long-b', 1_500)]);
    await pool.waitFor(/POOL-TASK-START long-a /);
    await pool.waitFor(/POOL-TASK-START long-b /);

    pool.signal('SIGTERM');

    const runs = await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })));
    expect(runs.map((run) => run.label)).toEqual(['long-a', 'long-b']);
    expect(await pool.exited).toEqual({ code: 0, signal: null });
    for (const pid of [pool.pid, ...children]) expect(isAlive(pid)).toBe(false);
    expect(pool.matches(/exited \(code 0\)/), pool.tail()).toHaveLength(2);
    expect(pool.matches(/exited unexpectedly|SIGKILL\)/), pool.tail()).toHaveLength(0);
    expect(await probe.depth(queue)).toBe(0);
  });

  it('stays warm when SIGTERM reaches the whole process group (systemd KillMode=control-group)', async () => {
    const { pool, queue, children } = await startPool(2);
    const results = await Promise.all([
      send(queue, 'group-a', 1_500),
      send(queue, 'group-b', 1_500),
    ]);
    await pool.waitFor(/POOL-TASK-START group-a /);
    await pool.waitFor(/POOL-TASK-START group-b /);

    pool.signalGroup('SIGTERM'); // each child gets SIGTERM twice: from the group signal and the supervisor

    const runs = await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })));
    expect(runs.map((run) => run.label)).toEqual(['group-a', 'group-b']);
    expect(await pool.exited).toEqual({ code: 0, signal: null });
    for (const pid of children) expect(isAlive(pid)).toBe(false);
    expect(pool.matches(/exited \(code 0\)/), pool.tail()).toHaveLength(2);
  });

  it('stops its worker processes warmly when the supervisor itself is killed', async () => {
    const { pool, children } = await startPool(2);
    pool.signal('SIGKILL');
    await pool.exited;
    await expect
      .poll(() => children.filter(isAlive), { timeout: 15_000, interval: 100 })
      .toEqual([]);
    await expect
      .poll(() => pool.matches(/The pool supervisor is gone: finishing running tasks/).length)
      .toBe(2);
  });

  it('backs off the restarts of a worker process that crashes at boot, and still stops on SIGTERM', async () => {
    const queue = uniqueName('pool-crash');
    const pool = start(['-P', 'processes', '-c', '1', '-Q', queue], queue, {
      POOL_FAIL_BOOT: 'crash',
    });
    // Replaced at once, then after 1 s, then after 2 s: not a spin.
    await pool.waitFor(/Slot 1 keeps losing its worker process: next start in 2000 ms/);
    expect(
      pool.matches(/exited unexpectedly \(code 1\) before it consumed/),
      pool.tail(),
    ).toHaveLength(3);
    expect(pool.matches(/next start in 1000 ms/), pool.tail()).toHaveLength(1);

    pool.signal('SIGTERM');
    expect(await pool.exited).toEqual({ code: 0, signal: null });
    for (const pid of pool.childPids) expect(isAlive(pid)).toBe(false);
  });

  it('stops with exit code 2 when a worker process cannot start because of a bad option', async () => {
    const queue = uniqueName('pool-bad');
    const pool = start(['-P', 'processes', '-c', '2', '-Q', queue], queue, {
      POOL_FAIL_BOOT: 'options',
    });
    expect(await pool.exited).toEqual({ code: 2, signal: null });
    expect(pool.output).toMatch(/celeriac worker: Invalid Celeriac option "heartbeatSeconds"/);
    expect(pool.output).toMatch(/could not start: its command line or options are wrong/);
    for (const pid of pool.childPids) expect(isAlive(pid)).toBe(false);
  });

  it.each([
    [['--concurrency', 'four'], /-c\/--concurrency must be an integer from 1 to 10000, got "four"/],
    [['--pool', 'threads'], /-P\/--pool must be async, solo or processes, got "threads"/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--max-tasks-per-child', '3'], /--max-tasks-per-child needs --pool processes/],
  ])('exits 2 with a message for a bad command line: %j', async (args, message) => {
    const pool = start(args, uniqueName('pool-flags'));
    expect(await pool.exited).toEqual({ code: 2, signal: null });
    expect(pool.output).toMatch(message);
    expect(pool.output).toContain('Run with --help to list the flags.');
    expect(pool.output).not.toContain('Started worker process');
  });
});
