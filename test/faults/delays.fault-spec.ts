import type { TaskClient } from 'celeriac';
import { killBeam, quorumLeaderKnown, startApp, startServer, stopApp } from './support/rabbit.js';
import { TEST_DELAY_PREFIX } from '../support/broker.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { Scenario, acceptsConnections, waitUntil } from './support/scenario.js';

/**
 * F14 (reliability.md §6): delayed tasks across broker restarts and connection loss. Their delays live
 * in the TTL cascade (quorum queues) and, for the last second, in a worker's forwarder. None may be
 * lost, none may start before its eta, and one whose due time no outage covered starts on time.
 */
describe('delayed tasks under faults (F14)', () => {
  const startScenario = faultScenarios();

  /**
   * Sends one delayed task; returns the earliest instant it may start (its eta is later still), and when
   * the broker confirmed it: a task cannot start before it is published, so a short countdown whose send
   * waited (the client's first publish connects and declares the queues) is measured from there.
   */
  async function sendDelayed(
    s: Scenario,
    client: TaskClient,
    countdownS: number,
  ): Promise<{ id: string; notBefore: number; confirmedAt: number } | null> {
    const { id, t0, t, error } = await s.sendRecorded(client, [0], { countdown: countdownS });
    if (error !== null) return null;
    // A Date holds whole milliseconds: the eta the client computes is truncated, never rounded up.
    return { id, notBefore: Math.floor(t0 + countdownS * 1000), confirmedAt: t };
  }

  /** Lateness of each task (first start − earliest allowed start), split by whether an outage covered its due time. */
  function lateness(
    s: Scenario,
    sent: readonly { id: string; notBefore: number; confirmedAt: number }[],
  ) {
    const firstStart = new Map<string, number>();
    for (const ev of s.ledger.events)
      if (ev.e === 'started' && !firstStart.has(ev.id)) firstStart.set(ev.id, ev.t);
    const covered = (t: number): boolean =>
      s.faults.some((f) => t >= f.from - 100 && t <= f.to + 3_000);
    const early: string[] = [];
    const onTime: number[] = [];
    for (const { id, notBefore, confirmedAt } of sent) {
      const start = firstStart.get(id);
      if (start === undefined) continue;
      if (start < notBefore) early.push(id);
      if (!covered(notBefore)) onTime.push(start - Math.max(notBefore, confirmedAt));
    }
    onTime.sort((a, b) => a - b);
    return {
      early,
      onTime,
      p99: onTime[Math.floor(onTime.length * 0.99)] ?? 0,
      max: onTime.at(-1) ?? 0,
    };
  }

  it('F14: delayed tasks survive stop_app, kill -9 and a connection drop, and never start early', async () => {
    const s = await startScenario('F14');
    const declaredAt = Date.now();
    await s.worker({ worker: { concurrency: 50, prefetch: 50 } });
    const producer = await s.client({ publishTimeoutMs: 60_000 });
    const sent: { id: string; notBefore: number; confirmedAt: number }[] = [];
    const sendBatch = async (countdowns: readonly number[]): Promise<void> => {
      for (const ok of await Promise.all(countdowns.map((c) => sendDelayed(s, producer.client, c))))
        if (ok) sent.push(ok);
    };

    // 1. stop_app for ~3 s while delays from 0.3 s to 8 s wait in the cascade and in the forwarder.
    await sendBatch(Array.from({ length: 40 }, (_, i) => 0.3 + (i * 7.7) / 39));
    await waitUntil(
      'a few delayed tasks to run',
      () => s.ledger.count('done'),
      (n) => n >= 3,
      10_000,
    );
    let from = Date.now();
    await stopApp();
    await waitUntil(
      'a 3 s outage',
      () => Date.now() - from,
      (ms) => ms >= 3_000,
      10_000,
    );
    await startApp();
    await waitUntil('the broker to accept connections', acceptsConnections, Boolean, 60_000);
    s.faults.push({ label: 'stop_app … start_app', from, to: Date.now() });

    // 2. kill -9 while delays of 6–12 s sit in the cascade's quorum queues (declared ≥ 5 s before).
    await sendBatch(Array.from({ length: 30 }, (_, i) => 6 + (i * 6) / 29));
    await waitUntil(
      'the cascade to be 5 s old with leaders',
      async () =>
        Date.now() - declaredAt >= 5_000 &&
        (await quorumLeaderKnown(s.vhost.name, `${TEST_DELAY_PREFIX}.ready`)),
      Boolean,
      30_000,
    );
    from = Date.now();
    await killBeam();
    await startServer();
    await waitUntil('the broker to accept connections', acceptsConnections, Boolean, 60_000);
    s.faults.push({ label: 'kill -9 beam … restart', from, to: Date.now() });

    // 3. Every connection dropped while the forwarder holds tasks due in the next second or two.
    await waitUntil(
      'the worker to consume again',
      () => s.ledger.count('done'),
      (n) => n >= 40,
      60_000,
    );
    await sendBatch(Array.from({ length: 20 }, (_, i) => 1.6 + i * 0.05));
    await waitUntil(
      'those tasks to leave the cascade for the forwarder (held unacked there)',
      async () =>
        (await s.depth(`${TEST_DELAY_PREFIX}.ready`)) + (await s.depth(`${TEST_DELAY_PREFIX}.L00`)),
      (n) => n === 0,
      10_000,
    );
    await s.inject('close_all_connections', () => s.vhost.closeAllConnections());

    // Plus a set no fault touches, for on-time precision.
    await sendBatch(Array.from({ length: 20 }, (_, i) => 2 + i * 0.1));
    // Quiet for longer than the longest delay: only then can a missing task be called lost.
    await s.settle(() => Promise.resolve(true), { timeoutMs: 90_000, quietMs: 13_000 });

    const late = lateness(s, sent);
    const v = s.verdict(
      'delayed tasks across stop_app, kill -9 and a connection drop',
      `never early: ${late.early.length === 0 ? 'yes' : `NO (${late.early.length})`}; lateness of ${late.onTime.length} tasks no outage covered: p99 ${late.p99} ms, max ${late.max} ms`,
      { delayed: true },
    );
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(late.early).toEqual([]);
    expect(late.p99).toBeLessThan(100);
  });
});
