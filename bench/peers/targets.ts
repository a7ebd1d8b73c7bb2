import type { TargetCheck } from '../results.js';
import { round } from '../stats.js';
import type { SystemResults } from './peers-results.js';
import { SYSTEM_INFO, SYSTEMS, type SystemId } from './systems.js';

type Results = Partial<Readonly<Record<SystemId, SystemResults>>>;

const PHASES = ['e2e', 'enqueue', 'drain'] as const;

/**
 * Celeriac's median ÷ each other system's, for end to end, enqueue and drain: `e2eVsBare`,
 * `enqueueVsGolevelup`, … (null where either did not run). Above 1: Celeriac is faster.
 */
export function ratios(results: Results): Record<string, number | null> {
  const cel = results.celeriac;
  const out: Record<string, number | null> = {};
  for (const phase of PHASES) {
    for (const system of SYSTEMS) {
      const key = SYSTEM_INFO[system].ratioKey;
      if (key === undefined) continue;
      const other = results[system];
      out[`${phase}Vs${key}`] =
        cel && other ? round(cel[phase].median / other[phase].median, 3) : null;
    }
  }
  return out;
}

/**
 * Issue 13's targets, each against raw amqplib with bare messages in the same run. Computed from the
 * measurements; a target whose sides did not run (`--only`) is reported as not measured.
 */
export function targets(results: Results): TargetCheck[] {
  const cel = results.celeriac;
  const bare = results['raw-bare'];
  if (!cel || !bare) {
    return [
      {
        name: 'Targets (need both Celeriac and raw-bare in the run)',
        target: '—',
        actual: 'not measured',
        met: null,
      },
    ];
  }
  // Verdicts on the exact ratios; the text shows them rounded.
  const e2e = cel.e2e.median / bare.e2e.median;
  const enqueue = cel.enqueue.median / bare.enqueue.median;
  const x = (v: number): number => round(v, 3);
  const producer = cel.enqueue.producerCpuUsPerTask ?? Number.NaN;
  const worker = cel.drain.consumerCpuUsPerTask ?? Number.NaN;
  const broker = cel.enqueue.brokerCpuUsPerTask;
  const checks: TargetCheck[] = [
    {
      name: 'End to end vs raw-bare',
      target: '≥ 0.9×',
      actual: `${x(e2e)}× (${fmt(cel.e2e.median)} vs ${fmt(bare.e2e.median)} tasks/s)`,
      met: e2e >= 0.9,
    },
    {
      name: 'Enqueue vs raw-bare',
      target: '≥ 0.8×',
      actual: `${x(enqueue)}× (${fmt(cel.enqueue.median)} vs ${fmt(bare.enqueue.median)} tasks/s)`,
      met: enqueue >= 0.8,
    },
    {
      name: 'Producer CPU per task (enqueue)',
      target: '≤ 25 µs',
      actual: `${producer} µs (raw-bare ${bare.enqueue.producerCpuUsPerTask ?? '?'} µs)`,
      met: producer <= 25,
    },
    {
      name: 'Worker CPU per task (drain)',
      target: '≤ 18 µs',
      actual: `${worker} µs (raw-bare ${bare.drain.consumerCpuUsPerTask ?? '?'} µs)`,
      met: worker <= 18,
    },
    {
      name: 'Broker CPU per enqueued task',
      target: '≤ 60 µs',
      actual: `${broker} µs (raw-bare ${bare.enqueue.brokerCpuUsPerTask} µs)`,
      met: broker <= 60,
    },
  ];
  const latency = cel.latency;
  if (latency?.p99VsBaseline !== undefined && latency.baseline) {
    const p99 = latency.p99 / latency.baseline.p99;
    checks.push({
      name: 'Send → handler start p99 vs raw-bare on the same schedule',
      target: '≤ 1.1×',
      actual: `${latency.p99VsBaseline}× (${latency.p99} vs ${latency.baseline.p99} ms)`,
      met: p99 <= 1.1,
    });
  }
  return checks;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
