import type { RatePhase, RatePhases } from '../results.js';
import { median, round } from '../stats.js';
import type { PeersConfig } from './config.js';
import type { PhaseCpu } from './cpu-meter.js';
import type { PeersBench } from './peers-bench.js';
import { SYSTEM_INFO, type SystemId } from './systems.js';

/** Runs `fn` as the phase named `phase`, with who used the CPUs meanwhile. */
export type Measure = <T>(phase: string, fn: () => Promise<T>) => Promise<[T, PhaseCpu]>;

interface Samples {
  enqueue: number[];
  enqueueCpu: number[];
  enqueueBroker: number[];
  drain: number[];
  drainCpu: number[];
  drainBroker: number[];
  e2e: number[];
  e2eProducerCpu: number[];
  e2eConsumerCpu: number[];
  e2eBroker: number[];
}

function rate(n: number, fromMs: number, toMs: number): number {
  return n / ((toMs - fromMs) / 1000);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The broker's CPU µs per task over a phase: RabbitMQ's, or Redis's for BullMQ. */
function brokerUs(system: SystemId, cpu: PhaseCpu, n: number): number {
  const seconds =
    SYSTEM_INFO[system].backend === 'redis' ? cpu.redisCpuSeconds : cpu.rabbitmqCpuSeconds;
  return (seconds * 1e6) / n;
}

function phase(
  rates: number[],
  cpu: { producer?: number[]; consumer?: number[]; broker: number[] },
): RatePhase {
  return {
    rates: rates.map((r) => round(r, 0)),
    median: round(median(rates), 0),
    ...(cpu.producer ? { producerCpuUsPerTask: round(median(cpu.producer), 1) } : {}),
    ...(cpu.consumer ? { consumerCpuUsPerTask: round(median(cpu.consumer), 1) } : {}),
    brokerCpuUsPerTask: round(median(cpu.broker), 1),
  };
}

/**
 * A warm-up per system, then `reps` repetitions of enqueue, drain and end to end. Each phase runs every
 * system back to back, in the reverse order every other repetition, so the numbers compared are seconds
 * apart and see the same machine (as `npm run bench` does).
 */
export async function runRatePhases(
  bench: PeersBench,
  systems: readonly SystemId[],
  config: PeersConfig,
  measure: Measure,
  log: (line: string) => void,
): Promise<Map<SystemId, RatePhases>> {
  for (const system of systems) {
    const n = system === 'celery' ? config.celeryWarmupTasks : config.warmupTasks;
    const { p, c } = await bench.endToEnd(system, n);
    log(`warm-up ${system}: ${fmt(rate(n, p.firstSendAt, c.lastDoneAt))}/s`);
  }
  const samples = new Map<SystemId, Samples>(
    systems.map((system) => [
      system,
      {
        enqueue: [],
        enqueueCpu: [],
        enqueueBroker: [],
        drain: [],
        drainCpu: [],
        drainBroker: [],
        e2e: [],
        e2eProducerCpu: [],
        e2eConsumerCpu: [],
        e2eBroker: [],
      },
    ]),
  );
  for (let rep = 1; rep <= config.reps; rep++) {
    const order = rep % 2 === 1 ? systems : [...systems].reverse();
    const line = new Map<SystemId, string[]>(systems.map((system) => [system, []]));
    for (const system of order) {
      const n = bench.tasksOf(system);
      const s = samples.get(system)!;
      const [e, cpu] = await measure(`enqueue ${system} ${rep}`, () => bench.enqueue(system, n));
      const r = rate(n, e.firstSendAt, e.lastConfirmAt);
      s.enqueue.push(r);
      s.enqueueCpu.push(e.cpuMicros / n);
      s.enqueueBroker.push(brokerUs(system, cpu, n));
      line.get(system)!.push(`enqueue ${fmt(r)}/s`);
    }
    for (const system of order) {
      const n = bench.tasksOf(system);
      const s = samples.get(system)!;
      const [d, cpu] = await measure(`drain ${system} ${rep}`, () => bench.drain(system, n));
      const r = rate(n, d.startedAt, d.lastDoneAt);
      s.drain.push(r);
      s.drainCpu.push(d.cpuMicros / n);
      s.drainBroker.push(brokerUs(system, cpu, n));
      line.get(system)!.push(`drain ${fmt(r)}/s`);
    }
    for (const system of order) {
      const n = bench.tasksOf(system);
      const s = samples.get(system)!;
      const [{ p, c }, cpu] = await measure(`e2e ${system} ${rep}`, () =>
        bench.endToEnd(system, n),
      );
      const r = rate(n, p.firstSendAt, c.lastDoneAt);
      s.e2e.push(r);
      s.e2eProducerCpu.push(p.cpuMicros / n);
      s.e2eConsumerCpu.push(c.cpuMicros / n);
      s.e2eBroker.push(brokerUs(system, cpu, n));
      line.get(system)!.push(`end to end ${fmt(r)}/s`);
    }
    for (const system of systems) {
      log(`rep ${rep}/${config.reps} ${system.padEnd(9)} ${line.get(system)!.join('  ')}`);
    }
  }
  const out = new Map<SystemId, RatePhases>();
  for (const [system, s] of samples) {
    out.set(system, {
      enqueue: phase(s.enqueue, { producer: s.enqueueCpu, broker: s.enqueueBroker }),
      drain: phase(s.drain, { consumer: s.drainCpu, broker: s.drainBroker }),
      e2e: phase(s.e2e, {
        producer: s.e2eProducerCpu,
        consumer: s.e2eConsumerCpu,
        broker: s.e2eBroker,
      }),
    });
  }
  return out;
}
