import type { AgentProcess } from '../agent-process.js';
import type { BrokerAdmin } from '../broker-admin.js';
import { now } from '../clock.js';
import type { ConsumerStats, ProducerStats } from '../protocol.js';
import { spawnAgent } from './agents.js';
import { createBacklog, expectDepth, type Backlog } from './backlogs.js';
import type { PeersConfig } from './config.js';
import type { SystemId } from './systems.js';

/** Longest a phase may wait for its last task (Python Celery's slowest phase takes ~10 s). */
export const WAIT_MS = 180_000;

interface Pair {
  readonly system: SystemId;
  readonly backlog: Backlog;
  readonly producer: AgentProcess;
  readonly consumer: AgentProcess;
}

/**
 * Each system's producer and worker processes on a queue of its own, and the phases `npm run bench` runs
 * (main.ts's `Bench`), for any system: every phase ends with the count check, that the worker handled
 * exactly the tasks sent and the queue holds what it should.
 */
export class PeersBench {
  private readonly pairs = new Map<SystemId, Pair>();

  constructor(
    private readonly config: PeersConfig,
    private readonly admin: BrokerAdmin,
    private readonly runId: string,
  ) {}

  livePids(): number[] {
    return [...this.pairs.values()]
      .flatMap((p) => [p.producer.pid, p.consumer.pid])
      .filter((pid): pid is number => pid !== undefined);
  }

  /** Tasks per rate phase for `system`. */
  tasksOf(system: SystemId): number {
    return system === 'celery' ? this.config.celeryTasks : this.config.tasks;
  }

  async add(system: SystemId): Promise<void> {
    const backlog = await createBacklog(system, `${this.runId}-${system}`, this.admin);
    const [producer, consumer] = await Promise.all([
      spawnAgent(system, 'producer', backlog.queue, this.config.prefetch),
      spawnAgent(system, 'consumer', backlog.queue, this.config.prefetch),
    ]);
    this.pairs.set(system, { system, backlog, producer, consumer });
  }

  private pair(system: SystemId): Pair {
    const pair = this.pairs.get(system);
    if (!pair) throw new Error(`No agents for ${system}`);
    return pair;
  }

  /** Publish `n` with nothing consuming; the backlog must then hold exactly `n`. */
  async enqueue(system: SystemId, n: number): Promise<ProducerStats> {
    const { producer, backlog } = this.pair(system);
    const p = await producer.call<ProducerStats>({ cmd: 'enqueue', n, window: this.config.window });
    await expectDepth(backlog, n);
    return p;
  }

  /** Consume a pre-filled backlog of `n`; it must then be empty (every task done and acked). */
  async drain(system: SystemId, n: number): Promise<ConsumerStats> {
    const { consumer, backlog } = this.pair(system);
    await consumer.call({ cmd: 'start', expect: n, record: false });
    const c = await consumer.call<ConsumerStats>({ cmd: 'waitFor', timeoutMs: WAIT_MS });
    await this.stop(consumer, n);
    await expectDepth(backlog, 0);
    return c;
  }

  /** Worker attached first, then publish `n` and wait for the last handler. */
  async endToEnd(system: SystemId, n: number): Promise<{ p: ProducerStats; c: ConsumerStats }> {
    const { consumer, producer, backlog } = this.pair(system);
    await consumer.call({ cmd: 'start', expect: n, record: false });
    const p = await producer.call<ProducerStats>({ cmd: 'enqueue', n, window: this.config.window });
    const c = await consumer.call<ConsumerStats>({ cmd: 'waitFor', timeoutMs: WAIT_MS });
    await this.stop(consumer, n);
    await expectDepth(backlog, 0);
    return { p, c };
  }

  /**
   * `a` and `b` at once, each at `latencyRate` on its own queue, on one schedule offset by half a period
   * (as main.ts's latency phase): the machine's hiccups hit both alike. Returns each side's handler stats.
   */
  async latencyPair(a: SystemId, b: SystemId): Promise<[ConsumerStats, ConsumerStats]> {
    const n = this.config.latencyTasks;
    const rate = this.config.latencyRate;
    const sides = [a, b] as const;
    for (const system of sides) {
      await this.pair(system).consumer.call({ cmd: 'start', expect: n, record: true });
    }
    const startAt = now() + 50;
    await Promise.all(
      sides.map((system, i) =>
        this.pair(system).producer.call<ProducerStats>({
          cmd: 'paced',
          n,
          ratePerSec: rate,
          startAt: startAt + (i * 1000) / rate / 2,
        }),
      ),
    );
    const out: ConsumerStats[] = [];
    for (const system of sides) {
      const { consumer, backlog } = this.pair(system);
      out.push(await consumer.call<ConsumerStats>({ cmd: 'waitFor', timeoutMs: WAIT_MS }));
      await this.stop(consumer, n);
      await expectDepth(backlog, 0);
    }
    return [out[0]!, out[1]!];
  }

  private async stop(consumer: AgentProcess, expected: number): Promise<void> {
    const { handled } = await consumer.call<{ handled: number }>({ cmd: 'stop' });
    if (handled !== expected) {
      throw new Error(`${consumer.name} handled ${handled} tasks, expected ${expected}`);
    }
  }

  async tearDown(log: (line: string) => void): Promise<void> {
    const pairs = [...this.pairs.values()];
    await Promise.all(
      pairs
        .flatMap((p) => [p.producer, p.consumer])
        .map((a) =>
          a.exit().catch(() => {
            a.kill();
          }),
        ),
    );
    for (const { backlog } of pairs) {
      await backlog.remove().catch((err: unknown) => {
        log(`Could not delete ${backlog.queue}: ${String(err)}`);
      });
    }
    this.pairs.clear();
  }
}
