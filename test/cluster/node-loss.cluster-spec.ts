import { randomUUID } from 'node:crypto';
import type { TaskQueueOptions } from 'celeriac';
import { check, type FaultWindow } from '../faults/support/checker.js';
import { Ledger } from '../faults/support/ledger.js';
import { waitUntil } from '../faults/support/scenario.js';
import { startClusterApps, type ClusterApps } from './support/cluster-apps.js';
import { drainDeadLetters } from './support/dead-letters.js';
import { RabbitCluster } from './support/rabbit-cluster.js';
import { pollUntil, type RabbitNode } from './support/rabbit-node.js';
import { longestGap, SteadyLoad, type LoadShape } from './support/steady-load.js';

/**
 * Issue 12: a 3-node cluster of nodes the test starts itself loses a node that leads quorum queues
 * (kill -9 of its Erlang VM) under a steady load, and gets it back. Clients and workers know every
 * node's URL and are connected to the killed node when it dies. No confirmed task may be lost; a
 * duplicate must overlap the fault; the failover is measured and printed.
 */
/** Countdown of the tasks the delay test revokes: due well after the node is back (about 35 s in). */
const REVOKED_COUNTDOWN_S = 45;

describe('a 3-node cluster loses a leader node under load', () => {
  let cluster: RabbitCluster | undefined;
  let apps: ClusterApps | undefined;
  let bootMs = 0;

  beforeAll(async () => {
    const start = Date.now();
    cluster = await RabbitCluster.start(3);
    bootMs = Date.now() - start;
  });
  afterEach(async () => {
    await apps?.close();
    apps = undefined;
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  /**
   * Starts the apps (with `options`), waits for `leads` (a quorum queue of theirs) to have a leader, runs
   * `beforeLoad`, runs `shape` until 600 tasks are confirmed, kills that leader's node, waits for the load
   * to flow again, runs `whileDown` (the node is still dead), boots the node, runs 600 more and settles.
   * Returns what the checks and the printed failover need.
   */
  async function killLeaderUnderLoad(
    leads: (apps: ClusterApps) => string,
    shape: LoadShape,
    hooks: {
      readonly options?: Partial<TaskQueueOptions>;
      readonly beforeLoad?: (apps: ClusterApps) => Promise<void>;
      readonly whileDown?: (apps: ClusterApps) => Promise<void>;
    } = {},
  ) {
    const c = cluster!;
    const ledger = new Ledger();
    apps = await startClusterApps(c.urls(), ledger, hooks.options);
    const a = apps;
    const queue = leads(a);
    // Topology first, traffic later: a quorum queue killed moments after its declaration can come back
    // leaderless (reliability.md §1). Every replica must be a member before the load starts.
    const leader = await pollUntil(`a leader for ${queue}`, () => c.leaderOf(queue), 30_000);
    expect((await c.quorumStatus(queue)).match(/celeriac-c\d-/g)?.length).toBe(3);
    await hooks.beforeLoad?.(a);
    const load = new SteadyLoad(a.producer.client, ledger, shape);
    await waitUntil(
      '600 confirmed tasks',
      () => ledger.count('sent'),
      (n) => n >= 600,
      60_000,
    );

    const killedAt = Date.now();
    await leader.kill();
    const survivor = c.other(leader);
    const newLeader: RabbitNode = await pollUntil(
      'a new leader on a surviving node',
      async () => {
        const l = await c.leaderOf(queue, '/', survivor);
        return l && l !== leader ? l : null;
      },
      60_000,
    );
    const electedMs = Date.now() - killedAt;
    const sentBefore = ledger.count('sent');
    await waitUntil(
      'a task confirmed after the kill',
      () => ledger.count('sent'),
      (n) => n > sentBefore,
      60_000,
    );
    const faults: FaultWindow[] = [
      { label: `kill -9 ${leader.node}`, from: killedAt, to: Date.now() },
    ];
    await hooks.whileDown?.(a);

    // Bring it back: same data directory, so it rejoins and its replicas catch up.
    const rejoinStart = Date.now();
    await leader.boot();
    await c.awaitRunning(3, 60_000, survivor);
    const rejoinMs = Date.now() - rejoinStart;
    faults.push({ label: 'node rejoins', from: rejoinStart, to: Date.now() });
    const target = ledger.count('sent') + 600;
    await waitUntil(
      '600 more confirmed tasks',
      () => ledger.count('sent'),
      (n) => n >= target,
      60_000,
    );
    await load.stop();
    return { ledger, load, faults, leader, newLeader, survivor, killedAt, electedMs, rejoinMs };
  }

  /** The node that leads `queue` (a stream too), as `list_queues` names it. */
  async function leaderName(queue: string): Promise<string> {
    const rows = await cluster!.nodes[0]!.ctl(['list_queues', 'name', 'leader']);
    return (
      rows
        .split('\n')
        .find((row) => row.startsWith(`${queue}\t`))
        ?.split('\t')[1] ?? '?'
    );
  }

  /** Waits until every confirmed id in `ids` is done, or names how many are missing after `timeoutMs`. */
  async function allDone(
    ledger: Ledger,
    ids: readonly string[],
    timeoutMs: number,
  ): Promise<string[]> {
    const missing = (): string[] => ids.filter((id) => !ledger.ids('done').has(id));
    await waitUntil(
      'every confirmed task done',
      () => missing().length,
      (n) => n === 0,
      timeoutMs,
    ).catch(
      () => undefined, // the checker reports them as lost
    );
    return missing();
  }

  it('tasks: kill -9 of the task queue leader loses none, duplicates explained, failover measured', async () => {
    const run = await killLeaderUnderLoad((a) => a.queue, {
      perSecond: 100,
      concurrency: 20,
      sleepMs: 5,
    });
    await allDone(run.ledger, [...run.ledger.ids('sent')], 60_000);
    const v = check('cluster: task queue leader killed', run.ledger, run.faults);
    console.log(
      `${v.line}\n  cluster boot ${bootMs} ms; ${run.leader.node} killed, ${run.newLeader.node} seen ` +
        `leading ${run.electedMs} ms later (CLI polling included); longest pause in confirms ` +
        `${longestGap(run.ledger, 'sent', run.killedAt)} ms, in completions ` +
        `${longestGap(run.ledger, 'done', run.killedAt)} ms; node back in ${run.rejoinMs} ms; ` +
        `send failures ${run.ledger.count('send-failed')}`,
    );
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(v.unconfirmedArrivals).toEqual([]);
    expect(run.ledger.count('send-failed')).toBe(0);
    expect(apps!.worker.server.health().ok).toBe(true);
    expect(
      (await cluster!.quorumStatus(apps!.queue, '/', run.survivor)).match(/celeriac-c\d-/g)?.length,
    ).toBe(3);
  });

  it("delays and revocations ('direct' delays): kill -9 of the node leading the task queue and the revocation stream loses no delayed task, runs no revoked one", async () => {
    // The TTL cascade's at-least-once dead-lettering loses messages across this kill on RabbitMQ 3.10.8
    // (broker-dlx.cluster-spec.ts shows it without Celeriac; docs/scaling.md), so clusters carry delays
    // in their task queue: the worker holds each delayed task unacked until it is due.
    const revoked: string[] = Array.from({ length: 5 }, () => randomUUID());
    const revokedSent = new Ledger();
    let revokedDue = 0;
    let revokedAt = 0;
    let streamLeader = '';
    const run = await killLeaderUnderLoad(
      (a) => a.queue,
      { perSecond: 60, concurrency: 20, sleepMs: 5, delayEvery: 1, countdown: 3 },
      {
        options: { delayedDelivery: 'direct' },
        beforeLoad: async (a) => {
          streamLeader = await leaderName(a.revocationStream);
          // Held by the worker across the kill; revoked while the node is down, due after it is back.
          revokedDue = Date.now() + REVOKED_COUNTDOWN_S * 1000;
          for (const id of revoked) {
            const t0 = Date.now();
            await a.producer.client.send(
              'faults.record',
              [0],
              {},
              { taskId: id, countdown: REVOKED_COUNTDOWN_S, ignoreResult: true },
            );
            revokedSent.record({ e: 'sent', id, t0, t: Date.now() });
          }
        },
        whileDown: async (a) => {
          await a.producer.client.revoke(revoked, { reason: 'revoked while a node was down' });
          revokedAt = Date.now();
        },
      },
    );
    // Else the test proves nothing about revocations: they must have been due after the revoke.
    expect(revokedAt).toBeLessThan(revokedDue);
    const delayed = [...run.ledger.ids('sent')];
    const missing = await allDone(run.ledger, delayed, 60_000);
    run.ledger.merge(revokedSent.events);
    await pollUntil(
      'the revoked tasks dead-lettered',
      async () => {
        await drainDeadLetters(run.survivor.url(), apps!.queue, run.ledger);
        return revoked.every((id) => run.ledger.ids('dead').has(id));
      },
      Math.max(0, revokedDue - Date.now()) + 30_000,
    ).catch(() => undefined); // asserted below
    const v = check(
      'cluster: task queue and stream leader killed, direct delays',
      run.ledger,
      run.faults,
      '',
      {
        delayed: true,
      },
    );
    console.log(
      `${v.line}\n  ${run.leader.node} killed, ${run.newLeader.node} seen leading ${run.electedMs} ms ` +
        `later; longest pause in confirms ${longestGap(run.ledger, 'sent', run.killedAt)} ms, in ` +
        `completions ${longestGap(run.ledger, 'done', run.killedAt)} ms; node back in ${run.rejoinMs} ms; ` +
        `delayed ${delayed.length}, not run ${missing.length}; send failures ` +
        `${run.ledger.count('send-failed')}; revoked ${Math.round((revokedDue - revokedAt) / 1000)} s ` +
        `before due, dead-lettered ${revoked.filter((id) => run.ledger.ids('dead').has(id)).length} of ` +
        `${revoked.length}, started ${revoked.filter((id) => run.ledger.ids('started').has(id)).length}; ` +
        `the stream was led by ${streamLeader}`,
    );
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(v.unconfirmedArrivals).toEqual([]);
    expect(run.ledger.count('send-failed')).toBe(0);
    for (const id of revoked) expect(run.ledger.ids('started').has(id)).toBe(false);
    expect(revoked.filter((id) => !run.ledger.ids('dead').has(id))).toEqual([]);
  });
});
