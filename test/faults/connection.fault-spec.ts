import { PublishBacklogFullError, PublishTimeoutError, TaskQueueRuntime } from 'celeriac';
import {
  BrokerLog,
  killBeam,
  quorumLeaderKnown,
  startApp,
  startServer,
  stopApp,
} from './support/rabbit.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { acceptsConnections, waitUntil } from './support/scenario.js';

/**
 * Connection faults (reliability.md §6, F1–F4): the broker drops every connection, or goes away and
 * comes back, while tasks are being published and run. No confirmed task may be lost; a task may run
 * twice only when the fault overlapped it.
 */
describe('connection faults', () => {
  const startScenario = faultScenarios();

  it('F1: close_all_connections during a publish burst loses no confirmed task', async () => {
    const s = await startScenario('F1');
    const worker = await s.worker({ worker: { concurrency: 50 } });
    const producer = await s.client({ publishTimeoutMs: 30_000 });
    const total = 3_000;

    // Paced at 1000/s, the burst lasts 3 s, so the close (rabbitmqctl takes ~0.3 s) lands inside it.
    const burst = s.sendMany(producer.client, total, { concurrency: 200, perSecond: 1_000 });
    await waitUntil(
      '500 confirmed publishes',
      () => s.ledger.count('sent'),
      (n) => n >= 500,
      30_000,
    );
    const confirmedBefore = s.ledger.count('sent');
    await s.inject('close_all_connections', () => s.vhost.closeAllConnections());
    const errors = await burst;
    await s.settle();
    await waitUntil(
      'the worker to consume again',
      () => worker.server.isConsuming,
      Boolean,
      10_000,
    );

    const republished = producer.app.get(TaskQueueRuntime).health().publisher?.republished ?? 0;
    const v = s.verdict(
      'close_all_connections during a publish burst',
      `confirmed before the close ${confirmedBefore}, republished ${republished}`,
    );
    expect(errors).toEqual([]);
    expect(v.sent).toBe(total);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(v.unconfirmedArrivals).toEqual([]);
  });

  it('F2: close_all_connections with tasks in flight redelivers them, no stale-tag acks', async () => {
    const s = await startScenario('F2');
    const log = await BrokerLog.mark();
    const worker = await s.worker({ worker: { concurrency: 20, prefetch: 20 } });
    const producer = await s.client();
    const errors = await s.sendMany(producer.client, 200, { sleepMs: 150, concurrency: 20 });
    expect(errors).toEqual([]);
    await waitUntil(
      '20 tasks done',
      () => s.ledger.count('done'),
      (n) => n >= 20,
      30_000,
    );
    const inFlight = await waitUntil(
      'a full prefetch in flight',
      () => worker.server.health().worker?.inFlight ?? 0,
      (n) => n >= 20,
      10_000,
    );
    await s.inject('close_all_connections', () => s.vhost.closeAllConnections());
    await s.settle();

    const v = s.verdict('close_all_connections with tasks in flight', `in flight ${inFlight}`);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(v.duplicates.length).toBeLessThanOrEqual(20); // at most prefetch
    expect(await log.linesSince(/unknown delivery tag/i)).toEqual([]);
    expect(worker.server.health().ok).toBe(true);
  });

  it('F3: stop_app for ~3 s under load: publishes wait (bounded), consumers come back, nothing lost', async () => {
    const s = await startScenario('F3');
    const worker = await s.worker({ worker: { concurrency: 20 } });
    const statuses: string[] = [];
    worker.server.status.subscribe((status) => statuses.push(status));
    const producer = await s.client({ publishTimeoutMs: 30_000 });
    // A second producer with a small bound: it shows what a caller sees while the broker is away.
    const bounded = await s.client({ maxPendingPublishes: 20, publishTimeoutMs: 1_500 });
    expect(await s.send(bounded.client)).toBeNull();

    const load = s.sendMany(producer.client, 1_500, { concurrency: 50, perSecond: 300 });
    await waitUntil(
      '300 confirmed publishes',
      () => s.ledger.count('sent'),
      (n) => n >= 300,
      30_000,
    );
    const from = Date.now();
    await stopApp();
    const stoppedAt = Date.now();

    // While the broker is away: 20 publishes wait, the 21st and later are refused at once...
    const refusedStart = Date.now();
    const waiting = Array.from({ length: 20 }, () => s.send(bounded.client));
    const refused = await Promise.all(Array.from({ length: 5 }, () => s.send(bounded.client)));
    const refusedMs = Date.now() - refusedStart;
    // ...and the waiting ones reject after publishTimeoutMs, saying the broker is unreachable.
    const timedOut = await Promise.all(waiting);
    const waitedMs = Date.now() - refusedStart;
    const health = producer.app.get(TaskQueueRuntime).health();
    const workerHealth = worker.server.health();
    await waitUntil(
      'a 3 s outage',
      () => Date.now() - stoppedAt,
      (ms) => ms >= 3_000,
      10_000,
    );

    // Recovery is measured from the moment the broker accepts connections again, which comes before
    // start_app (and its await_startup) returns.
    const accepting = waitUntil(
      'the broker to accept connections',
      acceptsConnections,
      Boolean,
      60_000,
    ).then(() => Date.now());
    await startApp();
    const backAt = await accepting;
    s.faults.push({ label: 'stop_app … start_app', from, to: Date.now() });
    const recovered = await waitUntil(
      'a task done after the broker came back',
      () => s.ledger.events.find((ev) => ev.e === 'done' && ev.t > backAt)?.t,
      (t) => t !== undefined,
      30_000,
    );
    const errors = await load;
    await s.settle();
    await waitUntil(
      'the worker to consume again',
      () => worker.server.isConsuming,
      Boolean,
      10_000,
    );

    const recoveryMs = (recovered ?? 0) - backAt;
    const v = s.verdict(
      'stop_app 3 s then start_app under load',
      `outage ${backAt - from} ms, first task done ${recoveryMs} ms after the broker was back, ` +
        `5 refused at once in ${refusedMs} ms, 20 timed out after ${waitedMs} ms`,
    );
    expect(errors).toEqual([]);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(recoveryMs).toBeLessThan(500 + 2_000); // reconnectDelayMs + 2 s
    for (const err of refused) expect(err).toBeInstanceOf(PublishBacklogFullError);
    expect(refusedMs).toBeLessThan(500);
    for (const err of timedOut) {
      expect(err).toBeInstanceOf(PublishTimeoutError);
      expect((err as PublishTimeoutError).brokerState).toBe('unreachable');
      expect((err as PublishTimeoutError).maybeEnqueued).toBe(false);
      expect((err as Error).message).toMatch(/unreachable.*it was not sent/);
    }
    // What was refused or never sent never arrives.
    expect(v.unconfirmedArrivals).toEqual([]);
    expect(health.ok).toBe(false);
    expect(health.problems.join('; ')).toMatch(/publish connection is down/);
    expect(workerHealth.worker?.consuming).toBe(false);
    expect(statuses).toContain('connecting');
    expect(statuses.at(-1)).toBe('consuming');
  });

  it('F4: kill -9 of the broker: confirmed tasks in a quorum queue survive the restart', async () => {
    const s = await startScenario('F4');
    const queues = [{ name: s.queue, type: 'quorum' as const }];
    const declaredAt = Date.now();
    const worker = await s.worker({ queues, worker: { concurrency: 4 } });
    const producer = await s.client({ queues, publishTimeoutMs: 60_000 });

    // The worker (20 ms a task, 4 at a time) falls behind a 500/s producer, so the queue holds a backlog.
    const load = s.sendMany(producer.client, 1_500, {
      sleepMs: 20,
      concurrency: 50,
      perSecond: 500,
    });
    await waitUntil(
      '600 confirmed publishes',
      () => s.ledger.count('sent'),
      (n) => n >= 600,
      30_000,
    );
    // reliability.md §1: a quorum queue crashed within ~1 s of its declaration can come back empty.
    await waitUntil(
      'the quorum queue to be 5 s old and have a leader',
      async () =>
        Date.now() - declaredAt >= 5_000 && (await quorumLeaderKnown(s.vhost.name, s.queue)),
      Boolean,
      30_000,
    );
    const backlog = await s.depth();
    const from = Date.now();
    await killBeam();
    await startServer();
    const back = Date.now();
    s.faults.push({ label: 'kill -9 beam … restart', from, to: back });
    const consumingAgain = await waitUntil(
      'the worker to consume again',
      () => (worker.server.isConsuming ? Date.now() : 0),
      Boolean,
      30_000,
    );
    const errors = await load;
    await s.settle(undefined, { timeoutMs: 90_000 });

    const v = s.verdict(
      'kill -9 beam then restart',
      `backlog at the kill ${backlog}, broker back after ${back - from} ms, ` +
        `consuming ${consumingAgain - back} ms later`,
    );
    expect(errors).toEqual([]);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(v.unconfirmedArrivals).toEqual([]);
  });
});
