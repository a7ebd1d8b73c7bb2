import type { Machine, RatePhases, TargetCheck } from '../results.js';
import type { LadderRow } from './broker-ladder.js';
import type { PeersConfig } from './config.js';
import type { PhaseCpu } from './cpu-meter.js';
import type { SystemId } from './systems.js';

/**
 * Everything one `npm run bench:peers` measured: bench/results/peers-latest.json (and a copy under
 * bench/results/runs/). bench/results/latest.json gains its `peers` summary (`PeersSummary`).
 */
export interface PeersResults {
  readonly schema: 1;
  readonly kind: 'peers';
  readonly runId: string;
  readonly date: string;
  readonly durationS: number;
  readonly machine: Machine;
  /** The broker and the Redis every system used (passwords redacted). */
  readonly brokerUrl: string;
  readonly redisUrl: string;
  /** How the Redis BullMQ used keeps its data (CONFIG GET appendonly, appendfsync, save). */
  readonly redisPersistence: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly config: PeersConfig;
  /** The systems run, in order. */
  readonly systems: readonly SystemId[];
  readonly results: Partial<Readonly<Record<SystemId, SystemResults>>>;
  /** `e2eVsBare`, `enqueueVsGolevelup`, …: Celeriac's median ÷ the other system's, null where either did not run. */
  readonly ratios: Readonly<Record<string, number | null>>;
  readonly targets: readonly TargetCheck[];
  readonly scaling: readonly ScalingRow[];
  /** The broker's cost per enqueued message, one property at a time (broker-ladder.ts); absent before it existed. */
  readonly ladder?: readonly LadderRow[];
  readonly load: { readonly phases: readonly PhaseLoad[] };
}

/**
 * One system's rates (tasks/s, median of the repetitions) and CPU per task: producer over enqueue, worker
 * over drain, both over end to end; `brokerCpuUsPerTask` is RabbitMQ's (beam.smp) for the AMQP systems and
 * Redis's (redis-server) for BullMQ.
 */
export interface SystemResults extends RatePhases {
  /** Tasks per rate phase. */
  readonly tasks: number;
  readonly latency?: LatencyResult;
}

/** Send → handler start at the steady rate, in ms, beside raw-bare's on the same schedule. */
export interface LatencyResult {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Handled per second between the first and the last handler start: did the producer keep the pace? */
  readonly achievedRate: number;
  /** raw-bare's percentiles in the same pair (absent for raw-bare itself). */
  readonly baseline?: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly p99VsBaseline?: number;
}

/** Celeriac end to end with several producer and worker processes on one queue. */
export interface ScalingRow {
  readonly producers: number;
  readonly workers: number;
  readonly tasks: number;
  readonly rates: readonly number[];
  readonly median: number;
  /** Medians over the repetitions; CPU summed over the processes of each side, per task. */
  readonly producerCpuUsPerTask: number;
  readonly workerCpuUsPerTask: number;
  readonly brokerCpuUsPerTask: number;
  /** Average cores the broker and the benchmark's own processes kept busy over the run. */
  readonly brokerCores: number;
  readonly benchCores: number;
}

export interface PhaseLoad extends PhaseCpu {
  readonly phase: string;
}

/** What bench/results/latest.json keeps of the last peers run (`npm run bench` carries it over). */
export interface PeersSummary {
  readonly runId: string;
  readonly date: string;
  readonly file: string;
  readonly e2eVsBare: number | null;
  readonly e2eVsGolevelup: number | null;
  /** Against golevelup carrying Celeriac's exact messages: what each library itself costs. */
  readonly e2eVsGolevelupSameMessages: number | null;
  /** Against raw amqplib publishing golevelup's message: the floor of any task message. */
  readonly e2eVsMin: number | null;
  readonly e2eVsBullmq: number | null;
  readonly e2eVsNestRmq: number | null;
  readonly e2eVsCelery: number | null;
  readonly enqueueVsBare: number | null;
  /** Producer (enqueue), worker (drain) and broker (enqueue) CPU µs per task, per system. */
  readonly cpuUsPerTask: Partial<
    Readonly<
      Record<
        SystemId,
        { readonly producer: number; readonly worker: number; readonly broker: number }
      >
    >
  >;
  readonly targets: readonly TargetCheck[];
}
