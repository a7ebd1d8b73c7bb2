import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beatNames, tickId } from 'celeriac';
import { buildBeatCli } from '../faults/support/beat-process.js';
import { recordedTicks } from '../faults/support/beat-ledger.js';
import { Ledger } from '../faults/support/ledger.js';
import { waitUntil } from '../faults/support/scenario.js';
import { clusterTaskQueue, startClusterApps, type ClusterApps } from './support/cluster-apps.js';
import { RabbitCluster } from './support/rabbit-cluster.js';
import { pollUntil, type RabbitNode } from './support/rabbit-node.js';
import { inProcessReplica, processReplica, type BeatReplica } from './support/beat-replicas.js';
import { ResultLoad, type ResultOutcome } from './support/result-load.js';
import { percentile } from './support/steady-load.js';

/**
 * Beat and the result backends across a `kill -9` of a node of a 3-node cluster, and its return.
 *
 * Beat: two replicas (as a user runs them for HA), each given every node's URL, fire a 1-second entry with
 * the default `missed: 'once'` (Celery beat's semantics: a missed slot is not replayed, the latest one is sent
 * late). The node that leads the election queue and the tick stream, and holds the leading replica's
 * connection, is killed. Accepted: slots missing only inside the failover window (from a second before the
 * kill to the new leader's first tick), no tick sent twice by two leaders (the stream has one copy per id,
 * and no id ran twice without a redelivery), a new leader within {@link BEAT_TAKEOVER_BOUND_MS}.
 *
 * Results: a client awaits each task's result under load while the node it and the worker are connected to
 * (the task queue's leader) is killed. Redis: every awaited result arrives. rpc://: the reply queue is a
 * classic, non-durable queue on the client's node; results published while it is gone are dropped by the
 * broker (as with Celery's rpc backend), and their `get()` rejects with `ResultTimeoutError` after its
 * timeout instead of hanging. Results published after the client re-declared its reply queue arrive.
 */
const BEAT_TAKEOVER_BOUND_MS = 15_000;
const RESULT_TIMEOUT_MS = 20_000;
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('beat and results survive a node kill', () => {
  let cluster: RabbitCluster | undefined;
  let apps: ClusterApps | undefined;
  const beats: BeatReplica[] = [];
  let scheduleFile: string | undefined;

  beforeAll(async () => {
    cluster = await RabbitCluster.start(3);
  });
  afterEach(async () => {
    for (const b of beats.splice(0)) await b.close().catch(() => undefined);
    if (scheduleFile) rmSync(scheduleFile, { force: true });
    scheduleFile = undefined;
    await apps?.close();
    apps = undefined;
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  /** The node `list_queues` names as the leader of `queue` (quorum queue, stream or classic queue). */
  async function leaderName(queue: string, via: RabbitNode): Promise<string> {
    const rows = await via.ctl(['list_queues', 'name', 'leader']);
    return (
      rows
        .split('\n')
        .find((row) => row.startsWith(`${queue}\t`))
        ?.split('\t')[1] ?? '?'
    );
  }

  /** Urls starting at node `first` (0-based): amqp-connection-manager and the beat try them in order. */
  function urlsFrom(first: number): string[] {
    const urls = cluster!.urls();
    return [...urls.slice(first), ...urls.slice(0, first)];
  }

  /**
   * Two beat replicas of `kind`, A on node 1 first and B on node 2 first, fire a 1-second entry into the task
   * queue of a worker on node 3; the node leading the election queue is killed and booted again.
   */
  async function beatAcrossKill(kind: 'in-process' | 'process') {
    const c = cluster!;
    const n2 = c.nodes[1]!;
    const ledger = new Ledger();
    // The worker starts on the third node: the test measures the beat's failover, not the worker's.
    apps = await startClusterApps(urlsFrom(2), ledger);
    const prefix = `cluster.beat.${randomUUID().slice(0, 8)}`;
    const names = beatNames(prefix);
    const schedule = { tick: { task: 'faults.record', schedule: 1, args: [0] } };
    const replica = async (first: number): Promise<BeatReplica> => {
      if (kind === 'process') {
        // Through the default exchange with the queue's name as key: the beat declares nothing.
        scheduleFile = join(tmpdir(), `celeriac-beat-${randomUUID().slice(0, 8)}.json`);
        const entry = { ...schedule.tick, options: { exchange: '', routing_key: apps!.queue } };
        writeFileSync(scheduleFile, JSON.stringify({ tick: entry }));
        return processReplica(urlsFrom(first), scheduleFile, prefix);
      }
      return inProcessReplica({
        url: urlsFrom(first),
        defaultQueue: apps!.queue,
        queues: [clusterTaskQueue(apps!.queue)],
        reconnectDelayMs: 250,
        connectTimeoutMs: 2_000,
        beat: { prefix, schedule },
      });
    };
    // Replica A starts on node 1 and declares the beat's queue and stream there (client-local leaders).
    const beatA = await replica(0);
    beats.push(beatA);
    await pollUntil('replica A leads', () => Promise.resolve(beatA.ledSince(0)), 30_000);
    const beatB = await replica(1);
    beats.push(beatB);
    // Every replica a member before the kill (a queue killed right after its declaration may stay leaderless).
    await pollUntil(
      'three members of the leader queue',
      async () => (await c.quorumStatus(names.leaderQueue)).match(/celeriac-c\d-/g)?.length === 3,
      30_000,
    );
    const leaderQueueLeader = await pollUntil(
      'a leader of the election queue',
      () => c.leaderOf(names.leaderQueue),
      30_000,
    );
    const streamLeader = await leaderName(names.tickStream, n2);
    const started = Date.now();
    const ranTicks = (): number => ledger.ids('done').size;
    await waitUntil('5 ticks run', ranTicks, (n) => n >= 5, 30_000);

    const killed = leaderQueueLeader;
    const killedAt = Date.now();
    await killed.kill();
    const survivor = c.other(killed);
    const takeover = await pollUntil(
      'a replica leading again',
      () => {
        const leading = [beatA, beatB].find((r) => r.ledSince(killedAt));
        return Promise.resolve(leading === undefined ? null : { at: Date.now(), leading });
      },
      60_000,
    );
    const takeoverMs = takeover.at - killedAt;
    const newLeader = takeover.leading === beatA ? 'A' : 'B';
    const firstRunAfter = await waitUntil(
      'a tick run after the kill',
      () => ledger.events.find((ev) => ev.e === 'done' && ev.t > takeover.at)?.t ?? 0,
      (t) => t > 0,
      30_000,
    );
    const electionQueueLeaderAfter = (await c.leaderOf(names.leaderQueue, '/', survivor))?.node;
    const base = ranTicks();
    await waitUntil('5 ticks run after the takeover', ranTicks, (n) => n >= base + 5, 30_000);
    const rejoinStart = Date.now();
    await killed.boot();
    await c.awaitRunning(3, 60_000, survivor);
    const rejoinMs = Date.now() - rejoinStart;
    const back = ranTicks();
    await waitUntil('5 ticks run after the rejoin', ranTicks, (n) => n >= back + 5, 30_000);
    for (const s of beats.splice(0)) await s.close();
    const stoppedAt = Date.now();

    // Every slot from the first tick run to the last one due before the stop, each by its deterministic id.
    const runs = ledger.events.flatMap((ev) => (ev.e === 'done' ? [ev.id] : []));
    const firstSlot = Math.ceil(started / 1000) * 1000;
    const slots: number[] = [];
    for (let t = firstSlot; t <= stoppedAt - 2_000; t += 1_000) {
      slots.push(t);
    }
    // Ticks still queued when the beats stopped: wait for the last slot to be run.
    const lastId = tickId('tick', slots.at(-1)!);
    await waitUntil('the last slot run', () => ledger.ids('done').has(lastId), Boolean, 30_000);
    const ran = new Map<string, number>();
    for (const id of runs) ran.set(id, (ran.get(id) ?? 0) + 1);
    const missing = slots.filter((t) => !ledger.ids('done').has(tickId('tick', t)));
    const windowFrom = killedAt - 1_000;
    const windowTo = takeover.at;
    const outsideWindow = missing.filter((t) => t < windowFrom || t > windowTo);
    const redelivered = new Set(
      ledger.events.flatMap((ev) => (ev.e === 'started' && ev.redelivered ? [ev.id] : [])),
    );
    const doubled = [...ran].filter(([, n]) => n > 1).map(([id]) => id);
    const doubledUnexplained = doubled.filter((id) => !redelivered.has(id));
    const recorded = await recordedTicks(survivor.url(), names.tickStream);
    console.log(
      `beat (${kind}) across kill -9 of ${killed.node}: election queue led by ${leaderQueueLeader.node} ` +
        `(then ${electionQueueLeaderAfter ?? '?'}), tick stream by ${streamLeader}; replica ${newLeader} ` +
        `leads ${takeoverMs} ms after the kill, first tick run ${firstRunAfter - killedAt} ms after it; ` +
        `node back in ${rejoinMs} ms\n  slots ${slots.length}, run ${slots.length - missing.length}, ` +
        `missing ${missing.length} (${missing.map((t) => new Date(t).toISOString().slice(11, 19)).join(' ')}), ` +
        `outside the window ${outsideWindow.length}; failover window ${windowTo - windowFrom} ms; ` +
        `ran twice ${doubled.length} (unexplained ${doubledUnexplained.length}); stream copies ` +
        `${recorded.copies} for ${recorded.ticks.size} ids`,
    );
    expect(takeoverMs).toBeLessThan(BEAT_TAKEOVER_BOUND_MS);
    expect(outsideWindow).toEqual([]);
    expect(missing.length).toBeLessThanOrEqual(Math.ceil((windowTo - windowFrom) / 1000) + 1);
    expect(doubledUnexplained).toEqual([]);
    expect(recorded.copies).toBe(recorded.ticks.size);
  }

  it('beat: kill -9 of the node leading the election queue and the tick stream; slots fire, none twice', async () => {
    await beatAcrossKill('in-process');
  });

  it('beat, two `celeriac beat` processes with --broker for every node: the same kill', async () => {
    await buildBeatCli();
    await beatAcrossKill('process');
  });

  /**
   * Starts the apps with `resultBackend` (the client on node 1 first, the worker on node `workerFirst + 1`),
   * runs the result load until 300 results came, kills node 1 (where the client is connected; with
   * `workerFirst` 0 it also leads the task queue, which the worker declared from there), waits for results
   * to flow again, boots the node, runs until 300 more came, and stops (every pending `get()` settled).
   */
  async function resultsAcrossKill(resultBackend: string, workerFirst: number) {
    const c = cluster!;
    const ledger = new Ledger();
    apps = await startClusterApps(
      c.urls(),
      ledger,
      { resultBackend, resultExpires: 600 },
      urlsFrom(workerFirst),
    );
    const a = apps;
    const taskLeader = await pollUntil(
      'a leader of the task queue',
      () => c.leaderOf(a.queue),
      30_000,
    );
    await pollUntil(
      'three members of the task queue',
      async () => (await c.quorumStatus(a.queue)).match(/celeriac-c\d-/g)?.length === 3,
      30_000,
    );
    const load = new ResultLoad(a.producer.client, 10, RESULT_TIMEOUT_MS);
    await waitUntil(
      '300 results',
      () => load.received,
      (n) => n >= 300,
      60_000,
    );
    const replyQueue = await replyQueueNode(c.nodes[1]!);
    const killed = c.nodes[0]!;
    const killedAt = Date.now();
    await killed.kill();
    const survivor = c.other(killed);
    const before = load.received;
    await waitUntil(
      'a result after the kill',
      () => load.received,
      (n) => n > before,
      60_000,
    );
    const resumedAt = Date.now();
    const rejoinStart = Date.now();
    await killed.boot();
    await c.awaitRunning(3, 60_000, survivor);
    const rejoinMs = Date.now() - rejoinStart;
    const target = load.received + 300;
    await waitUntil(
      '300 more results',
      () => load.received,
      (n) => n >= target,
      60_000,
    );
    await load.stop();
    const failed = load.outcomes.filter((o) => !o.ok);
    const afterRejoin = load.outcomes.filter((o) => o.t0 > rejoinStart + rejoinMs);
    const latencies = load.outcomes.filter((o) => o.ok).map((o) => o.t - o.t0);
    const ranButLost = failed.filter((o) => ledger.ids('done').has(o.id));
    const line =
      `${resultBackend} across kill -9 of ${killed.node} (client's node; task queue led by ` +
      `${taskLeader.node}; reply queue on ${replyQueue}; worker on node ${workerFirst + 1} first): tasks ${load.outcomes.length}, results ${load.received}, failed ${failed.length} ` +
      `(ran but result lost ${ranButLost.length}; ${summarize(failed)}); first result after the kill ` +
      `${resumedAt - killedAt} ms; longest gap between results ${longestResultGap(load.outcomes, killedAt)} ms; ` +
      `latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ` +
      `${Math.max(...latencies)} ms; longest failed wait ${Math.max(0, ...failed.map((o) => o.t - o.t0))} ms; ` +
      `node back in ${rejoinMs} ms; after the rejoin ${afterRejoin.length} tasks, failed ` +
      `${afterRejoin.filter((o) => !o.ok).length}`;
    console.log(line);
    return { load, failed, ranButLost, afterRejoin, killedAt, killed, replyQueue, taskLeader };
  }

  /** The node of this client's rpc:// reply queue (a uuid-named classic queue), or '-' when there is none. */
  async function replyQueueNode(via: RabbitNode): Promise<string> {
    const rows = await via.ctl(['list_queues', 'name', 'pid']);
    const row = rows
      .split('\n')
      .find((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\t/.test(r));
    return row?.split('\t')[1]?.replace(/^<|\.\d+\.\d+\.\d+>$/g, '') ?? '-';
  }

  it("results, Redis backend: every awaited result arrives across kill -9 of the client's node, leader of the task queue", async () => {
    const run = await resultsAcrossKill(REDIS_URL, 0);
    expect(run.taskLeader).toBe(run.killed);
    expect(run.failed).toEqual([]);
    expect(run.load.outcomes.length).toBeGreaterThanOrEqual(600);
  });

  it('results, rpc://: results published while the reply queue is gone are lost and time out; none hangs', async () => {
    // The worker is on another node: it keeps publishing results while the client's reply queue is gone.
    const run = await resultsAcrossKill('rpc://', 1);
    expect(run.replyQueue).toBe(run.killed.node);
    // Each failure is the documented one: the get() timed out, after its timeout and not much later.
    for (const o of run.failed) {
      expect(o.error).toMatch(/^ResultTimeoutError/);
      expect(o.sentAt).not.toBeNull();
      expect(o.t - o.sentAt!).toBeLessThan(RESULT_TIMEOUT_MS + 5_000);
    }
    // Lost results are of tasks that ran: the work was done, the reply had nowhere to go.
    expect(run.ranButLost.length).toBe(run.failed.length);
    // Once the client re-declared its reply queue, results arrive again.
    expect(run.afterRejoin.filter((o) => !o.ok)).toEqual([]);
    expect(run.afterRejoin.length).toBeGreaterThan(0);
  });
});

/** "3 × ResultTimeoutError" per distinct error name, for the log. */
function summarize(outcomes: readonly ResultOutcome[]): string {
  const byName = new Map<string, number>();
  for (const o of outcomes) {
    const name = (o.error ?? '').split(':')[0] ?? '';
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  return [...byName].map(([name, n]) => `${n} × ${name}`).join(', ') || 'none';
}

/** The longest pause between consecutive results from a second before `from` on. */
function longestResultGap(outcomes: readonly ResultOutcome[], from: number): number {
  const times = outcomes
    .filter((o) => o.ok && o.t >= from - 1_000)
    .map((o) => o.t)
    .sort((x, y) => x - y);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}
