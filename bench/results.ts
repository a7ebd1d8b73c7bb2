import type { LoadShare } from './machine-load.js';
import type { Distribution } from './stats.js';

/**
 * Everything one `npm run bench` measured; written to bench/results/latest.json.
 *
 * Schema 2: `raw` is amqplib sending the same messages Celeriac sends (Celery protocol 2 properties), in
 * every phase, and the ratios are against it; `rawBare` is amqplib without protocol headers, rates only.
 * Schema 3 added `celeriacEvents` and `taskEvents`.
 * (In schema 1, `raw` had no protocol headers and the same-message rates were `protocolBaseline`.)
 */
export interface BenchResults {
  readonly schema: 3;
  readonly runId: string;
  readonly date: string;
  readonly durationS: number;
  readonly machine: Machine;
  /** The broker every side used (password redacted). */
  readonly brokerUrl: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly config: BenchConfig;
  /**
   * The baseline: raw amqplib publishing and consuming the same messages as Celeriac (body, 16 Celery
   * protocol 2 headers, correlation id, priority), with the same guarantees. Every phase.
   */
  readonly raw: ImplResults;
  readonly celeriac: ImplResults;
  /**
   * A reference, rates only: the same raw amqplib code sending the body without protocol headers, a
   * ceiling no client of Celery's protocol reaches.
   */
  readonly rawBare: RatePhases;
  /** Rates only: Celeriac with task events on (Celery's `-E`), in the same reps as `celeriac`. */
  readonly celeriacEvents: RatePhases;
  /** What task events cost: `celeriacEvents` against `celeriac`. */
  readonly taskEvents: TaskEventsCost;
  /** Celeriac with its metrics and tracing on (SDK registered, no exporter), rates only. */
  readonly celeriacObserved?: RatePhases;
  /** End to end, observed Celeriac ÷ plain Celeriac, on the medians: what metrics and tracing cost. */
  readonly observedE2eRatio?: number;
  /** Celeriac ÷ the baseline (`raw`), on the medians. Above 1 means Celeriac is faster. */
  readonly enqueueRatio: number;
  readonly drainRatio: number;
  readonly e2eRatio: number;
  /** Celeriac's p99 ÷ the baseline's, at the steady rate. Below 1 means Celeriac is faster. */
  readonly p99Ratio: number;
  /** Celeriac ÷ the headerless reference (`rawBare`), on the medians. */
  readonly enqueueRatioVsBare: number;
  readonly drainRatioVsBare: number;
  readonly e2eRatioVsBare: number;
  readonly delayLatenessP99Ms: number;
  /** Celeriac worker RSS growth over `rssTasks` tasks after a `rssWarmTasks` warm-up (after forced GCs), in MiB. */
  readonly rssGrowthMb: number;
  readonly targets: readonly TargetCheck[];
  /** CPU used by this benchmark, the broker and everything else, over the run and per phase. */
  readonly load: { readonly run: LoadShare; readonly phases: readonly PhaseLoad[] };
}

export interface PhaseLoad extends LoadShare {
  readonly phase: string;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine). */
  readonly loadAvgStart: number;
  readonly loadAvgEnd: number;
}

export interface BenchConfig {
  readonly tasks: number;
  readonly reps: number;
  readonly window: number;
  readonly prefetch: number;
  readonly warmupTasks: number;
  readonly latencyTasks: number;
  readonly latencyRate: number;
  readonly delayedTasks: number;
  readonly delayMinS: number;
  readonly delayMaxS: number;
  readonly rssTasks: number;
  readonly rssWarmTasks: number;
}

export interface RatePhase {
  /** Tasks per second, one per repetition. */
  readonly rates: readonly number[];
  readonly median: number;
  /** Median over repetitions of CPU microseconds per task, per side (absent where a side did not run). */
  readonly producerCpuUsPerTask?: number;
  readonly consumerCpuUsPerTask?: number;
  /** Median over repetitions of the broker's (beam.smp) CPU microseconds per task over the phase. */
  readonly brokerCpuUsPerTask: number;
}

export interface MemorySample {
  readonly tasks: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

export interface MemoryPhase {
  readonly idleMb: number;
  readonly warmMb: number;
  readonly afterMb: number;
  /**
   * Growth over `rssTasks` once JIT code, V8's young generation and buffers have settled: the median RSS
   * of the last three checkpoints minus that of the first three (the warm sample and the next two).
   */
  readonly growthMb: number;
  /** after − warm, two single samples (each moves by a few MiB between checkpoints). */
  readonly growthEndpointsMb: number;
  /** after − idle: includes the one-time warm-up. */
  readonly growthFromIdleMb: number;
  /** Least-squares slopes over the checkpoints after warm-up, in MiB per 100,000 tasks. */
  readonly rssSlopeMbPer100k: number;
  readonly heapUsedSlopeMbPer100k: number;
  /** RSS and heap used after warm-up and at each checkpoint. */
  readonly samples: readonly MemorySample[];
  readonly heapUsedIdleMb: number;
  readonly heapUsedWarmMb: number;
  readonly heapUsedAfterMb: number;
  /** V8's reserved heap (grows with the young generation under allocation pressure). */
  readonly heapTotalIdleMb: number;
  readonly heapTotalAfterMb: number;
}

/** The three rate phases of one side. */
export interface RatePhases {
  readonly enqueue: RatePhase;
  readonly drain: RatePhase;
  readonly e2e: RatePhase;
}

export interface ImplResults extends RatePhases {
  /** Send → handler start at the steady rate, in ms. */
  readonly latency: Distribution & { readonly achievedRate: number };
  readonly memory: MemoryPhase;
  /** Handler start − eta, in ms (Celeriac only). */
  readonly delayLateness?: Distribution;
}

/** Celeriac with task events on against off, from the same reps. */
export interface TaskEventsCost {
  /** On ÷ off, end to end and drain; below 1 means events slow the worker down. */
  readonly e2eRatio: number;
  readonly drainRatio: number;
  /** Worker CPU per task over the drain phase, off and on (µs). */
  readonly workerCpuUsPerTaskOff: number;
  readonly workerCpuUsPerTaskOn: number;
  /** The broker's CPU per task over the drain phase, off and on (µs): it routes the event messages too. */
  readonly brokerCpuUsPerTaskOff: number;
  readonly brokerCpuUsPerTaskOn: number;
}

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly actual: string;
  /** null for a row shown for reference, with no target to meet. */
  readonly met: boolean | null;
}
