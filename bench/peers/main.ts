/**
 * `npm run bench:peers`: Celeriac beside the systems its users would install instead, in one sitting,
 * with one workload and one set of guarantees: raw amqplib (bare messages, the ceiling; and Celeriac's
 * exact messages), @golevelup/nestjs-rabbitmq, BullMQ, Nest's RMQ transport and Python Celery. Then
 * Celeriac with several worker and producer processes. See docs/benchmarks.md, "Beside the peers".
 *
 *   npm run bench:peers                          # the full run (~8 min); writes the results and the doc
 *   npm run bench:peers -- --quick               # a small smoke run; prints, writes nothing
 *   npm run bench:peers -- --only celeriac,bullmq # some systems (raw-bare is added: it is the baseline)
 *   npm run bench:peers -- --no-scaling          # leave out the scaling runs
 *   npm run bench:peers -- --no-ladder           # leave out the broker cost ladder
 *   npm run bench:peers -- --render [file]       # rewrite the doc's section from saved results
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { redactUrl } from 'celeriac';
import { BrokerAdmin } from '../broker-admin.js';
import { runBrokerLadder, type LadderRow } from './broker-ladder.js';
import { repoRoot } from '../report.js';
import { round } from '../stats.js';
import { redisConnection } from './bullmq.js';
import { FULL, QUICK, type PeersConfig } from './config.js';
import { CpuMeter, type PhaseCpu } from './cpu-meter.js';
import { runLatency } from './latency.js';
import { PeersBench } from './peers-bench.js';
import type { PeersResults, PhaseLoad, ScalingRow, SystemResults } from './peers-results.js';
import { renderPeersSection, writePeersReports } from './peers-report.js';
import { printPeers } from './peers-table.js';
import { runRatePhases, type Measure } from './rate-phases.js';
import { checkRequirements, RequirementsError } from './requirements.js';
import { CeleriacScaling } from './scaling.js';
import { isSystem, SYSTEMS, type SystemId } from './systems.js';
import { ratios, targets } from './targets.js';
import { peersVersions, redisPersistence } from './versions.js';

const BROKER_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** Other processes using more than this many cores during a phase get a note in the output. */
const FOREIGN_LOAD_NOTE = 0.2;
/** How long to wait for a busy machine to calm down before running anyway (as BENCH_QUIET_WAIT_S). */
const QUIET_WAIT_S = Number(process.env['BENCH_QUIET_WAIT_S'] ?? 20);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Options {
  readonly config: PeersConfig;
  readonly quick: boolean;
  readonly systems: readonly SystemId[];
  readonly only: boolean;
  readonly scaling: boolean;
  readonly ladder: boolean;
  readonly write: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--only');
  let systems: readonly SystemId[] = SYSTEMS;
  if (at >= 0) {
    const names = (argv[at + 1] ?? '').split(',').filter(Boolean);
    const unknown = names.filter((name) => !isSystem(name));
    if (names.length === 0 || unknown.length > 0) {
      throw new Error(`--only takes a comma-separated list of: ${SYSTEMS.join(', ')}`);
    }
    // Every comparison is against raw-bare in the same run, so it always runs.
    const chosen = new Set<string>(['raw-bare', ...names]);
    systems = SYSTEMS.filter((s) => chosen.has(s));
  }
  const scaling = !argv.includes('--no-scaling') && systems.includes('celeriac');
  return {
    config: quick ? QUICK : FULL,
    quick,
    systems,
    only: at >= 0,
    scaling,
    ladder: !argv.includes('--no-ladder'),
    // A partial run does not replace the published one.
    write: !quick && at < 0 && !argv.includes('--no-write'),
  };
}

/** Other work on the machine moves every number; wait a little for it to stop, then run anyway. */
async function waitForQuiet(meter: CpuMeter): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_S * 1000;
  for (let noted = false; ;) {
    const from = meter.snapshot();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const cpu = CpuMeter.between(from, meter.snapshot());
    const busy = cpu.foreignCores + cpu.rabbitmqCores + (cpu.redisCores || 0);
    if (Number.isNaN(busy) || busy < 0.15) return;
    if (Date.now() > deadline) {
      log(`The machine is still busy (${round(busy, 2)} cores used by others); running anyway`);
      return;
    }
    if (!noted) {
      log(
        `Waiting up to ${QUIET_WAIT_S} s for other processes to calm down (${round(busy, 2)} cores now)`,
      );
      noted = true;
    }
  }
}

async function run(options: Options): Promise<void> {
  const { config, systems } = options;
  const redis = redisConnection();
  await checkRequirements(systems, redis);
  const admin = await BrokerAdmin.open(BROKER_URL);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const runId = `peers-${stamp}-${randomBytes(3).toString('hex')}`;
  const bench = new PeersBench(config, admin, runId);
  let scaling: CeleriacScaling | undefined;
  const meter = new CpuMeter(
    () => [...bench.livePids(), ...(scaling?.livePids() ?? [])],
    Number(new URL(BROKER_URL).port || 5672),
    redis.port,
  );
  await waitForQuiet(meter);
  const started = Date.now();
  const loadAvgStart = os.loadavg()[0] ?? 0;
  const phases: PhaseLoad[] = [];
  const measure: Measure = async <T>(phase: string, fn: () => Promise<T>) => {
    const from = meter.snapshot();
    const result = await fn();
    const cpu: PhaseCpu = CpuMeter.between(from, meter.snapshot());
    phases.push({ phase, ...cpu });
    if (cpu.foreignCores > FOREIGN_LOAD_NOTE) {
      log(`  note: other processes used ${cpu.foreignCores} cores during ${phase}`);
    }
    return [result, cpu];
  };
  const stopOnSignal = (): void => {
    log('\nInterrupted: deleting the run queues');
    void Promise.allSettled([bench.tearDown(log), scaling?.close(log)]).finally(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const results: Partial<Record<SystemId, SystemResults>> = {};
  let scalingRows: ScalingRow[] = [];
  let ladder: LadderRow[] = [];
  try {
    const n = config.tasks.toLocaleString('en-US');
    log(
      `Run ${runId}: ${systems.join(', ')}; ${n} tasks (Python Celery ${config.celeryTasks.toLocaleString('en-US')}) × ${config.reps}, ` +
        `window ${config.window}, prefetch ${config.prefetch}`,
    );
    for (const system of systems) await bench.add(system);
    const rates = await runRatePhases(bench, systems, config, measure, log);
    const latency = await runLatency(bench, systems, measure, log);
    for (const system of systems) {
      const lat = latency.get(system);
      results[system] = {
        tasks: bench.tasksOf(system),
        ...rates.get(system)!,
        ...(lat ? { latency: lat } : {}),
      };
    }
    await bench.tearDown(log);
    if (options.ladder)
      ladder = await runBrokerLadder(BROKER_URL, admin, runId, config, measure, log);
    if (options.scaling) {
      scaling = await CeleriacScaling.open(config, admin, runId);
      scalingRows = await scaling.run(measure, log);
    }
  } finally {
    await bench.tearDown(log);
    await scaling?.close(log);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }

  const cpus = os.cpus();
  const out: PeersResults = {
    schema: 1,
    kind: 'peers',
    runId,
    date: new Date(started).toISOString(),
    durationS: round((Date.now() - started) / 1000, 1),
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadAvgStart: round(loadAvgStart, 2),
      loadAvgEnd: round(os.loadavg()[0] ?? 0, 2),
    },
    brokerUrl: redactUrl(BROKER_URL),
    redisUrl: redactUrl(REDIS_URL),
    redisPersistence: systems.includes('bullmq') ? await redisPersistence(redis) : 'not used',
    versions: await peersVersions(admin.server, redis),
    config,
    systems,
    results,
    ratios: ratios(results),
    targets: targets(results),
    scaling: scalingRows,
    ladder,
    load: { phases },
  };
  await admin.close();
  printPeers(out);
  if (options.write) {
    const written = await writePeersReports(out);
    log(`\nWrote ${written.join(', ')}`);
  } else {
    log(
      `\n(nothing written: ${options.quick ? '--quick' : options.only ? '--only' : '--no-write'})`,
    );
  }
}

const argv = process.argv.slice(2);
process.chdir(repoRoot());
const renderAt = argv.indexOf('--render');
const work =
  renderAt >= 0
    ? renderPeersSection(
        JSON.parse(
          readFileSync(argv[renderAt + 1] ?? 'bench/results/peers-latest.json', 'utf8'),
        ) as PeersResults,
      ).then((doc) => {
        log(`Wrote ${doc}`);
      })
    : Promise.resolve(parseOptions(argv)).then(run);
work.catch((err: unknown) => {
  console.error(err instanceof RequirementsError ? err.message : err);
  process.exit(1);
});
