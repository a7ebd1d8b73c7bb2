import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tickId } from 'celeriac';
import { beatLedger, expectedSeconds, recordedTicks } from './support/beat-ledger.js';
import { BeatProcess, buildBeatCli } from './support/beat-process.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { startApp, stopApp } from './support/rabbit.js';
import { waitUntil } from './support/scenario.js';
import { buildFaultsWorker, ledgerFile, WorkerProcess } from './support/worker-process.js';

/** The documented bound (docs/beat.md): with `missed: 'all'`, a failover or an outage loses no tick. */
const MISSED_BOUND = 0;
/** The documented takeover bound after a leader's process dies (docs/beat.md). */
const TAKEOVER_BOUND_MS = 5_000;
const RUN_MS = 60_000;
const PREFIX = 'faults.beat';

/** The 1-second entry every scenario runs: `all` catches up, and ticks outlive the broker restart. */
function tickEntry(queue: string): Record<string, unknown> {
  return {
    tick: {
      task: 'faults.record',
      schedule: 1,
      args: [0],
      missed: 'all',
      options: { queue, expires: 60 },
    },
  };
}

/** `beat-<pid>@host leads the beat`, as each replica logs it. */
const LEADS = /leads the beat/g;

/**
 * F15 (reliability.md §6), for issue 15. Three replicas fire a 1-second entry while the leader is SIGKILLed
 * (a fresh replica replaces it each time, so three stay) and, for the `celeriac beat` processes, the broker is
 * restarted once. Celeriac workers run the ticks and write the ledger. Each test passes only with doubled = 0,
 * no tick recorded twice, missed within the documented bound and every takeover under 5 s.
 */
describe('beat faults', () => {
  const startScenario = faultScenarios();
  const beats: BeatProcess[] = [];
  /** Replicas already stopped or killed, for their logs when the test fails. */
  const stopped: BeatProcess[] = [];
  let scheduleFile: string | undefined;

  beforeAll(async () => {
    await buildBeatCli();
    await buildFaultsWorker();
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const b of [...beats, ...stopped])
        console.log(`--- beat ${b.pid}\n${b.log.slice(-3_000)}`);
    }
    stopped.length = 0;
    for (const b of beats.splice(0)) await b.stop();
    if (scheduleFile) rmSync(scheduleFile, { force: true });
  });

  it(
    'F15: SIGKILL the leader twice and restart the broker: every tick runs once, takeover < 5 s',
    { timeout: 240_000 },
    async () => {
      const s = await startScenario('F15');
      await s.worker();
      scheduleFile = join(tmpdir(), `celeriac-beat-${randomUUID().slice(0, 8)}.json`);
      writeFileSync(scheduleFile, JSON.stringify(tickEntry(s.queue)));
      const replica = (): BeatProcess => {
        const beat = BeatProcess.start({
          url: s.vhost.url,
          schedule: scheduleFile ?? '',
          prefix: PREFIX,
        });
        beats.push(beat);
        return beat;
      };
      const started = Date.now();
      for (let i = 0; i < 3; i++) replica();
      const leader = (): BeatProcess | undefined =>
        // The replica that most recently logged that it leads.
        beats
          .filter((b) => b.running && b.ledAt.length > 0)
          .sort((a, b) => (b.ledAt.at(-1) ?? 0) - (a.ledAt.at(-1) ?? 0))[0];
      await waitUntil('a leader', leader, Boolean, 30_000);

      const takeovers: number[] = [];
      for (const at of [15_000, 30_000]) {
        await waitUntil(
          'the kill time',
          () => Date.now() - started,
          (ms) => ms >= at,
          at + 10_000,
        );
        const victim = leader();
        if (!victim) throw new Error('no leader to kill');
        const from = Date.now();
        victim.signal('SIGKILL');
        await victim.exited;
        s.faults.push({ label: `SIGKILL beat leader ${victim.pid}`, from, to: Date.now() });
        replica();
        const next = await waitUntil(
          'a new leader',
          () => beats.find((b) => b !== victim && b.running && (b.ledAt.at(-1) ?? 0) >= from),
          Boolean,
          30_000,
        );
        takeovers.push((next?.ledAt.at(-1) ?? from) - from);
      }

      await waitUntil(
        'the restart time',
        () => Date.now() - started,
        (ms) => ms >= 42_000,
        30_000,
      );
      const restart = await s.inject('broker restart (stop_app, start_app)', async () => {
        await stopApp();
        await startApp();
      });
      // A replica may lead again before start_app's await_startup returns: look from the stop on.
      const afterRestart = await waitUntil(
        'a leader after the broker restart',
        () => beats.find((b) => b.running && (b.ledAt.at(-1) ?? 0) >= restart.from),
        Boolean,
        60_000,
      );
      const leaderAgainAt = afterRestart?.ledAt.at(-1) ?? restart.to;

      await waitUntil(
        'the end of the run',
        () => Date.now() - started,
        (ms) => ms >= RUN_MS,
        RUN_MS,
      );
      const stoppedAt = Date.now();
      for (const b of beats.splice(0)) {
        stopped.push(b);
        await b.stop();
      }

      // What the beats recorded: every tick copy in the stream.
      const { ticks: sent, copies } = await recordedTicks(s.vhost.url, `${PREFIX}.ticks`);
      const expectedTimes = expectedSeconds(sent.values(), stoppedAt);
      const expectedIds = new Set(expectedTimes.map((t) => tickId('tick', t)));
      await waitUntil(
        'every recorded tick to run',
        () => [...sent.keys()].filter((id) => !s.ledger.ids('done').has(id)).length,
        (left) => left === 0,
        30_000,
      );
      const runs = s.ledger.events.flatMap((ev) =>
        ev.e === 'done' && expectedIds.has(ev.id) ? [ev.id] : [],
      );
      const ledger = beatLedger(
        'F15 beat: 3 replicas, 1 s entry, 60 s, SIGKILL leader ×2, broker restart ×1',
        expectedTimes,
        (t) => tickId('tick', t),
        new Set([...sent.keys()].filter((id) => expectedIds.has(id))),
        runs,
      );
      console.log(ledger.line);
      console.log(
        `F15 beat: takeover after SIGKILL ${takeovers.join(' ms, ')} ms; broker restart took ` +
          `${restart.to - restart.from} ms, a leader again ${leaderAgainAt - restart.from} ms after the stop`,
      );
      // No tick was sent twice (each send is recorded in the same publish), and none ran twice.
      expect(copies).toBe(sent.size);
      expect(ledger.doubled).toEqual([]);
      expect(ledger.missed.length).toBeLessThanOrEqual(MISSED_BOUND);
      expect(ledger.sent).toBe(ledger.expected);
      for (const ms of takeovers) expect(ms).toBeLessThan(TAKEOVER_BOUND_MS);
    },
  );

  it(
    'F15 with workers: three workers with -B, SIGKILL the leading worker twice: every tick runs once',
    { timeout: 180_000 },
    async () => {
      const s = await startScenario('F15W');
      // The ticks run on an in-process worker, so killing a leading worker tests the beat alone (a worker
      // killed mid-task would have its task redelivered: RabbitMQ's at-least-once, the same for any task).
      await s.worker();
      const file = ledgerFile(s.id);
      const workers: WorkerProcess[] = [];
      const ledAt = new Map<WorkerProcess, number[]>();
      const start = async (): Promise<void> => {
        const worker = await WorkerProcess.start({
          url: s.vhost.url,
          queue: `${s.queue}.beat-hosts`,
          ledger: file,
          concurrency: 4,
          env: {
            FAULTS_BEAT_SCHEDULE: JSON.stringify(tickEntry(s.queue)),
            FAULTS_BEAT_PREFIX: PREFIX,
          },
        });
        workers.push(worker);
        ledAt.set(worker, []);
      };
      // When each worker logged that it leads: its log is polled, so each time is at most 20 ms late.
      const watch = setInterval(() => {
        for (const [w, times] of ledAt) {
          const count = w.log.match(LEADS)?.length ?? 0;
          while (times.length < count) times.push(Date.now());
        }
      }, 20);
      try {
        const started = Date.now();
        for (let i = 0; i < 3; i++) await start();
        const leader = (): WorkerProcess | undefined =>
          [...ledAt]
            .filter(([w, times]) => times.length > 0 && !killed.has(w))
            .sort(([, a], [, b]) => (b.at(-1) ?? 0) - (a.at(-1) ?? 0))[0]?.[0];
        const killed = new Set<WorkerProcess>();
        await waitUntil('a leading worker', leader, Boolean, 30_000);
        const takeovers: number[] = [];
        for (const at of [10_000, 20_000]) {
          await waitUntil(
            'the kill time',
            () => Date.now() - started,
            (ms) => ms >= at,
            at + 10_000,
          );
          const victim = leader();
          if (!victim) throw new Error('no leading worker to kill');
          const from = Date.now();
          victim.signal('SIGKILL');
          killed.add(victim);
          await victim.exited;
          s.faults.push({
            label: `SIGKILL leading worker ${victim.pid}`,
            from,
            to: Date.now(),
            pid: victim.pid,
          });
          const next = await waitUntil(
            'a new leading worker',
            () => [...ledAt].find(([w, t]) => !killed.has(w) && (t.at(-1) ?? 0) >= from),
            Boolean,
            30_000,
          );
          takeovers.push((next?.[1].at(-1) ?? from) - from);
          await start();
        }
        await waitUntil(
          'the end of the run',
          () => Date.now() - started,
          (ms) => ms >= 30_000,
          30_000,
        );
        const stoppedAt = Date.now();
        for (const w of workers) if (!killed.has(w)) await w.stop();

        const { ticks: sent, copies } = await recordedTicks(s.vhost.url, `${PREFIX}.ticks`);
        const expectedTimes = expectedSeconds(sent.values(), stoppedAt);
        const expectedIds = new Set(expectedTimes.map((t) => tickId('tick', t)));
        await waitUntil(
          'every recorded tick to run',
          () => [...sent.keys()].filter((id) => !s.ledger.ids('done').has(id)).length,
          (left) => left === 0,
          30_000,
        );
        const runs = s.ledger.events.flatMap((ev) =>
          ev.e === 'done' && expectedIds.has(ev.id) ? [ev.id] : [],
        );
        const ledger = beatLedger(
          'F15 beat in workers (-B): 3 workers, 1 s entry, 30 s, SIGKILL the leading worker ×2',
          expectedTimes,
          (t) => tickId('tick', t),
          new Set([...sent.keys()].filter((id) => expectedIds.has(id))),
          runs,
        );
        console.log(ledger.line);
        console.log(`F15 beat in workers: takeover after SIGKILL ${takeovers.join(' ms, ')} ms`);
        expect(copies).toBe(sent.size);
        expect(ledger.doubled).toEqual([]);
        expect(ledger.missed.length).toBeLessThanOrEqual(MISSED_BOUND);
        for (const ms of takeovers) expect(ms).toBeLessThan(TAKEOVER_BOUND_MS);
      } finally {
        clearInterval(watch);
        for (const w of workers) await w.stop();
        WorkerProcess.removeLedger(file);
      }
    },
  );
});
