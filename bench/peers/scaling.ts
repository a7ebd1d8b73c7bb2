import type { AgentProcess } from '../agent-process.js';
import type { BrokerAdmin } from '../broker-admin.js';
import { sleep } from '../clock.js';
import type { ConsumerProgress, ProducerStats } from '../protocol.js';
import { median, round } from '../stats.js';
import { spawnAgent } from './agents.js';
import { createBacklog, expectDepth, type Backlog } from './backlogs.js';
import type { PeersConfig } from './config.js';
import { WAIT_MS } from './peers-bench.js';
import type { ScalingRow } from './peers-results.js';
import type { Measure } from './rate-phases.js';

const POLL_MS = 20;

interface Once {
  readonly rate: number;
  readonly producerCpuUs: number;
  readonly workerCpuUs: number;
}

/**
 * Celeriac end to end with several processes on one queue: N copies of the benchmark's worker (each the
 * default async pool with concurrency = prefetch, as replicas of one worker deployment are), and one or
 * two producer processes sharing the tasks. A worker cannot be told in advance how many tasks it will
 * get, so the orchestrator polls their counts until all are handled; the end is the last handler's start.
 */
export class CeleriacScaling {
  private constructor(
    private readonly config: PeersConfig,
    private readonly backlog: Backlog,
    private readonly producers: readonly AgentProcess[],
    private readonly workers: readonly AgentProcess[],
  ) {}

  static async open(
    config: PeersConfig,
    admin: BrokerAdmin,
    runId: string,
  ): Promise<CeleriacScaling> {
    const backlog = await createBacklog('celeriac', `${runId}-scaling`, admin);
    const most = (pick: (s: { producers: number; workers: number }) => number): number =>
      Math.max(...config.scaling.setups.map(pick));
    const spawn = (role: 'producer' | 'consumer', count: number): Promise<AgentProcess[]> =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          spawnAgent('celeriac', role, backlog.queue, config.prefetch, `scaling-${role}-${i + 1}`),
        ),
      );
    const [producers, workers] = await Promise.all([
      spawn(
        'producer',
        most((s) => s.producers),
      ),
      spawn(
        'consumer',
        most((s) => s.workers),
      ),
    ]);
    return new CeleriacScaling(config, backlog, producers, workers);
  }

  livePids(): number[] {
    return [...this.producers, ...this.workers]
      .map((a) => a.pid)
      .filter((pid): pid is number => pid !== undefined);
  }

  private async once(producerCount: number, workerCount: number, n: number): Promise<Once> {
    const producers = this.producers.slice(0, producerCount);
    const workers = this.workers.slice(0, workerCount);
    // No worker can reach `n` unless it is the only one: the polling below decides when all are done.
    for (const w of workers) await w.call({ cmd: 'start', expect: n, record: false });
    const share = (i: number): number =>
      Math.floor(n / producerCount) + (i < n % producerCount ? 1 : 0);
    const sent = await Promise.all(
      producers.map((p, i) =>
        p.call<ProducerStats>({ cmd: 'enqueue', n: share(i), window: this.config.window }),
      ),
    );
    const deadline = Date.now() + WAIT_MS;
    let progress: ConsumerProgress[];
    for (;;) {
      progress = await Promise.all(
        workers.map((w) => w.call<ConsumerProgress>({ cmd: 'progress' })),
      );
      const handled = progress.reduce((sum, p) => sum + p.handled, 0);
      if (handled >= n) break;
      if (Date.now() > deadline) throw new Error(`Scaling: ${handled} of ${n} handled in time`);
      await sleep(POLL_MS);
    }
    let handled = 0;
    for (const w of workers)
      handled += (await w.call<{ handled: number }>({ cmd: 'stop' })).handled;
    if (handled !== n) throw new Error(`Scaling: the workers handled ${handled} tasks, sent ${n}`);
    await expectDepth(this.backlog, 0);
    const first = Math.min(...sent.map((s) => s.firstSendAt));
    const last = Math.max(...progress.map((p) => p.lastStartAt));
    return {
      rate: n / ((last - first) / 1000),
      producerCpuUs: sent.reduce((sum, s) => sum + s.cpuMicros, 0) / n,
      workerCpuUs: progress.reduce((sum, p) => sum + p.cpuMicros, 0) / n,
    };
  }

  async run(measure: Measure, log: (line: string) => void): Promise<ScalingRow[]> {
    const { setups, tasks, reps } = this.config.scaling;
    // Every process handles work once before anything is measured (JIT, connections).
    await this.once(this.producers.length, this.workers.length, this.config.warmupTasks);
    const samples = setups.map(() => ({
      rate: [] as number[],
      producer: [] as number[],
      worker: [] as number[],
      broker: [] as number[],
      brokerCores: [] as number[],
      benchCores: [] as number[],
    }));
    for (let rep = 1; rep <= reps; rep++) {
      const order = setups.map((_, i) => i);
      if (rep % 2 === 0) order.reverse();
      for (const i of order) {
        const { producers, workers } = setups[i]!;
        const name = `scaling ${producers}P×${workers}W ${rep}`;
        const [r, cpu] = await measure(name, () => this.once(producers, workers, tasks));
        const s = samples[i]!;
        s.rate.push(r.rate);
        s.producer.push(r.producerCpuUs);
        s.worker.push(r.workerCpuUs);
        s.broker.push((cpu.rabbitmqCpuSeconds * 1e6) / tasks);
        s.brokerCores.push(cpu.rabbitmqCores);
        s.benchCores.push(cpu.oursCores);
        log(
          `${name}: ${Math.round(r.rate).toLocaleString('en-US')} tasks/s, broker ${cpu.rabbitmqCores} cores`,
        );
      }
    }
    return setups.map(({ producers, workers }, i) => {
      const s = samples[i]!;
      return {
        producers,
        workers,
        tasks,
        rates: s.rate.map((r) => round(r, 0)),
        median: round(median(s.rate), 0),
        producerCpuUsPerTask: round(median(s.producer), 1),
        workerCpuUsPerTask: round(median(s.worker), 1),
        brokerCpuUsPerTask: round(median(s.broker), 1),
        brokerCores: round(median(s.brokerCores), 2),
        benchCores: round(median(s.benchCores), 2),
      };
    });
  }

  async close(log: (line: string) => void): Promise<void> {
    await Promise.all(
      [...this.producers, ...this.workers].map((a) =>
        a.exit().catch(() => {
          a.kill();
        }),
      ),
    );
    await this.backlog.remove().catch((err: unknown) => {
      log(`Could not delete ${this.backlog.queue}: ${String(err)}`);
    });
  }
}
