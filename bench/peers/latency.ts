import type { ConsumerStats } from '../protocol.js';
import { percentile, round } from '../stats.js';
import type { Measure } from './rate-phases.js';
import type { PeersBench } from './peers-bench.js';
import type { LatencyResult } from './peers-results.js';
import type { SystemId } from './systems.js';

/** The baseline every system's latency is paired with: the ceiling of the targets. */
export const LATENCY_BASELINE: SystemId = 'raw-bare';

function percentiles(c: ConsumerStats): Omit<LatencyResult, 'baseline' | 'p99VsBaseline'> {
  const values = c.latenciesMs;
  const at = (p: number): number => round(percentile(values, p), 3);
  return {
    n: values.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: round(Math.max(...values), 3),
    achievedRate: round((c.handled - 1) / ((c.lastDoneAt - c.firstStartAt) / 1000), 1),
  };
}

/**
 * Send → handler start at a steady rate: each system beside raw-bare on one schedule (main.ts's latency
 * phase, with raw-bare as the baseline), one pair after the other. raw-bare's own row is its first pair's.
 */
export async function runLatency(
  bench: PeersBench,
  systems: readonly SystemId[],
  measure: Measure,
  log: (line: string) => void,
): Promise<Map<SystemId, LatencyResult>> {
  const out = new Map<SystemId, LatencyResult>();
  if (!systems.includes(LATENCY_BASELINE)) {
    log(
      `latency: skipped (it pairs every system with ${LATENCY_BASELINE}, which is not in the run)`,
    );
    return out;
  }
  for (const system of systems) {
    if (system === LATENCY_BASELINE) continue;
    const [[base, other]] = await measure(`latency ${system} beside ${LATENCY_BASELINE}`, () =>
      bench.latencyPair(LATENCY_BASELINE, system),
    );
    const b = percentiles(base);
    const o = percentiles(other);
    if (!out.has(LATENCY_BASELINE)) out.set(LATENCY_BASELINE, b);
    out.set(system, {
      ...o,
      baseline: { p50: b.p50, p90: b.p90, p99: b.p99 },
      p99VsBaseline: round(o.p99 / b.p99, 3),
    });
    log(
      `latency ${system.padEnd(9)} p50 ${o.p50} ms  p90 ${o.p90} ms  p99 ${o.p99} ms ` +
        `(${LATENCY_BASELINE} beside it: p50 ${b.p50}  p90 ${b.p90}  p99 ${b.p99})`,
    );
  }
  return out;
}
