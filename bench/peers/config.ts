/** What one `npm run bench:peers` does; FULL is the published run, QUICK a smoke run that writes nothing. */
export interface PeersConfig {
  /** Tasks per rate phase (enqueue, drain, end to end) of each system but Python Celery. */
  readonly tasks: number;
  /**
   * Python Celery's tasks per rate phase: its producer waits for each publish's confirm, so it sends a
   * few hundred per second; rates and CPU per task are per task, so they compare as they are.
   */
  readonly celeryTasks: number;
  readonly reps: number;
  /** Unconfirmed publishes in flight per producer (chunks of this many, then wait for all). */
  readonly window: number;
  /** Per-consumer prefetch (BullMQ: worker concurrency; Celery: prefetch multiplier × 1). */
  readonly prefetch: number;
  /** End-to-end tasks each system runs once before anything is measured (JIT, connections). */
  readonly warmupTasks: number;
  readonly celeryWarmupTasks: number;
  /** Tasks per side in each latency pair, sent at `latencyRate` per second. */
  readonly latencyTasks: number;
  readonly latencyRate: number;
  readonly scaling: ScalingConfig;
}

export interface ScalingConfig {
  /** Tasks per end-to-end run, shared among the producers. */
  readonly tasks: number;
  readonly reps: number;
  /** Each set-up: producer and worker processes of Celeriac, all on one queue. */
  readonly setups: readonly { readonly producers: number; readonly workers: number }[];
}

export const FULL: PeersConfig = {
  tasks: 20_000,
  celeryTasks: 2_000,
  reps: 3,
  window: 1_000,
  prefetch: 250,
  warmupTasks: 5_000,
  celeryWarmupTasks: 200,
  latencyTasks: 2_000,
  latencyRate: 200,
  scaling: {
    tasks: 20_000,
    reps: 2,
    setups: [
      { producers: 1, workers: 1 },
      { producers: 1, workers: 2 },
      { producers: 1, workers: 4 },
      { producers: 2, workers: 1 },
      { producers: 2, workers: 4 },
    ],
  },
};

export const QUICK: PeersConfig = {
  ...FULL,
  tasks: 2_000,
  celeryTasks: 200,
  reps: 1,
  warmupTasks: 500,
  celeryWarmupTasks: 50,
  latencyTasks: 200,
  scaling: { ...FULL.scaling, tasks: 2_000, reps: 1 },
};
