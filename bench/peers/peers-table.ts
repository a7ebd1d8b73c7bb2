import type { TargetCheck } from '../results.js';
import { LATENCY_BASELINE } from './latency.js';
import type { PeersResults, SystemResults } from './peers-results.js';
import { SYSTEM_INFO, type SystemId } from './systems.js';

/**
 * The tables of a peers run as rows of text, shared by the terminal (`printPeers`) and the doc
 * (peers-doc.ts).
 */
export type Row = readonly string[];

export function n0(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en-US');
}

export function us(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1);
}

function ms(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(2);
}

export function times(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(2)}×`;
}

function ran(r: PeersResults): [SystemId, SystemResults][] {
  return r.systems.flatMap((s) => {
    const x = r.results[s];
    return x ? [[s, x] as [SystemId, SystemResults]] : [];
  });
}

export const MAIN_HEADER: Row = [
  'system',
  'end to end, tasks/s',
  'enqueue',
  'drain',
  'producer CPU µs/task',
  'worker CPU µs/task',
  'broker CPU µs/task (enqueue)',
];

/** Issue 13's table: rates, and CPU per task on each side (producer over enqueue, worker over drain). */
export function mainRows(r: PeersResults, label = (s: SystemId) => SYSTEM_INFO[s].label): Row[] {
  return ran(r).map(([s, x]) => [
    label(s),
    n0(x.e2e.median),
    n0(x.enqueue.median),
    n0(x.drain.median),
    us(x.enqueue.producerCpuUsPerTask),
    us(x.drain.consumerCpuUsPerTask),
    `${us(x.enqueue.brokerCpuUsPerTask)}${SYSTEM_INFO[s].backend === 'redis' ? ' (Redis)' : ''}`,
  ]);
}

export const E2E_CPU_HEADER: Row = [
  'system',
  'producer CPU µs/task',
  'worker CPU µs/task',
  'broker CPU µs/task',
];

/** CPU per task of each side while both run (end to end). */
export function e2eCpuRows(r: PeersResults, label = (s: SystemId) => SYSTEM_INFO[s].label): Row[] {
  return ran(r).map(([s, x]) => [
    label(s),
    us(x.e2e.producerCpuUsPerTask),
    us(x.e2e.consumerCpuUsPerTask),
    us(x.e2e.brokerCpuUsPerTask),
  ]);
}

export const RATIO_HEADER: Row = ['Celeriac ÷', 'end to end', 'enqueue', 'drain'];

/** Celeriac's medians over each other system's (above 1×: Celeriac is faster). */
export function ratioRows(r: PeersResults, label = (s: SystemId) => SYSTEM_INFO[s].label): Row[] {
  return r.systems.flatMap((s) => {
    const key = SYSTEM_INFO[s].ratioKey;
    if (key === undefined) return [];
    return [
      [
        label(s),
        times(r.ratios[`e2eVs${key}`]),
        times(r.ratios[`enqueueVs${key}`]),
        times(r.ratios[`drainVs${key}`]),
      ],
    ];
  });
}

export const LATENCY_HEADER: Row = [
  'system',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  `${LATENCY_BASELINE} beside it, p50 / p90 / p99 ms`,
  `p99 ÷ ${LATENCY_BASELINE}'s`,
  'achieved tasks/s',
];

/** Send → handler start at the steady rate, each beside raw-bare on one schedule. */
export function latencyRows(r: PeersResults, label = (s: SystemId) => SYSTEM_INFO[s].label): Row[] {
  return ran(r).flatMap(([s, x]) => {
    const l = x.latency;
    if (!l) return [];
    return [
      [
        label(s),
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        l.baseline ? `${ms(l.baseline.p50)} / ${ms(l.baseline.p90)} / ${ms(l.baseline.p99)}` : '—',
        times(l.p99VsBaseline),
        n0(l.achievedRate),
      ],
    ];
  });
}

export const SCALING_HEADER: Row = [
  'producers × workers',
  'end to end, tasks/s',
  'vs 1 × 1',
  'producer CPU µs/task',
  'worker CPU µs/task',
  'broker CPU µs/task',
  'broker cores busy',
  'benchmark cores busy',
];

export function scalingRows(r: PeersResults): Row[] {
  const one = r.scaling.find((x) => x.producers === 1 && x.workers === 1)?.median;
  return r.scaling.map((x) => [
    `${x.producers} × ${x.workers}`,
    n0(x.median),
    one === undefined ? '—' : times(x.median / one),
    us(x.producerCpuUsPerTask),
    us(x.workerCpuUsPerTask),
    us(x.brokerCpuUsPerTask),
    x.brokerCores.toFixed(2),
    x.benchCores.toFixed(2),
  ]);
}

/** Every repetition's rate, per system and phase. */
export function repetitionRows(r: PeersResults): { header: Row; rows: Row[] } {
  const reps = r.config.reps;
  const header = ['', ...Array.from({ length: reps }, (_, i) => `run ${i + 1}`), 'median'];
  const rows = (['enqueue', 'drain', 'e2e'] as const).flatMap((phase) =>
    ran(r).map(([s, x]) => [
      `${phase === 'e2e' ? 'end to end' : phase}, ${s}`,
      ...x[phase].rates.map(n0),
      n0(x[phase].median),
    ]),
  );
  return { header, rows };
}

export const LADDER_HEADER: Row = [
  'message',
  'enqueue, msgs/s',
  'broker CPU µs/msg',
  'this step costs the broker, µs',
];

/** The broker cost ladder: each rung's medians, and what its one addition costs the broker. */
export function ladderRows(r: PeersResults): Row[] {
  const rows = r.ladder ?? [];
  return rows.map((x, i) => {
    const before = rows[i - 1];
    const step = before ? x.brokerCpuUsPerTask - before.brokerCpuUsPerTask : undefined;
    return [
      x.label,
      n0(x.enqueuePerSecond),
      us(x.brokerCpuUsPerTask),
      step === undefined ? '—' : `${step >= 0 ? '+' : ''}${step.toFixed(1)}`,
    ];
  });
}

export function verdict(t: TargetCheck, met: string, missed: string, ref: string): string {
  if (t.met === null) return ref;
  return t.met ? met : missed;
}

function aligned(header: Row, rows: readonly Row[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: Row): string =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The results on stdout, aligned for a terminal, with each target MET or MISSED. */
export function printPeers(r: PeersResults): void {
  const id = (s: SystemId): string => s;
  const out = [
    '',
    ...aligned(MAIN_HEADER, mainRows(r, id)),
    '',
    ...aligned(
      E2E_CPU_HEADER.map((h, i) => (i === 0 ? 'end to end' : h)),
      e2eCpuRows(r, id),
    ),
    '',
    ...aligned(RATIO_HEADER, ratioRows(r, id)),
    '',
    ...aligned(LATENCY_HEADER, latencyRows(r, id)),
  ];
  if ((r.ladder ?? []).length > 0)
    out.push('', 'Broker cost ladder', ...aligned(LADDER_HEADER, ladderRows(r)));
  if (r.scaling.length > 0)
    out.push('', 'Celeriac scaling', ...aligned(SCALING_HEADER, scalingRows(r)));
  out.push('', `Targets (issue 13), each against ${LATENCY_BASELINE} in this run:`);
  for (const t of r.targets) {
    const wanted = t.met === null ? '' : `${t.target}, `;
    out.push(
      `${verdict(t, 'MET   ', 'MISSED', 'REF   ')}  ${t.name}: ${wanted}measured ${t.actual}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
