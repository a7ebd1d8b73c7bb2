// npm run bench:peers' verdicts are computed from its measurements, never written in: the targets of
// issue 13 against raw-bare, and Celeriac's ratios to each peer. (The benchmark itself is not a test.)
import type { RatePhase } from '../../bench/results.js';
import type { SystemResults } from '../../bench/peers/peers-results.js';
import { ratios, targets } from '../../bench/peers/targets.js';

function phase(median: number, cpu: Partial<RatePhase> = {}): RatePhase {
  return { rates: [median], median, brokerCpuUsPerTask: 50, ...cpu };
}

function system(
  e2e: number,
  enqueue: number,
  cpu: { producer: number; worker: number },
): SystemResults {
  return {
    tasks: 20_000,
    e2e: phase(e2e),
    enqueue: phase(enqueue, { producerCpuUsPerTask: cpu.producer }),
    drain: phase(30_000, { consumerCpuUsPerTask: cpu.worker }),
  };
}

describe('bench:peers targets', () => {
  const bare = system(20_000, 20_000, { producer: 14, worker: 18 });

  it('meets a target at its bound and misses it past the bound', () => {
    const met = targets({
      'raw-bare': bare,
      celeriac: system(18_000, 16_000, { producer: 25, worker: 18 }),
    });
    expect(met.map((t) => t.met)).toEqual([true, true, true, true, true]);
    const missed = targets({
      'raw-bare': bare,
      celeriac: system(17_999, 15_999, { producer: 25.1, worker: 18.1 }),
    });
    expect(missed.map((t) => t.met)).toEqual([false, false, false, false, true]);
  });

  it('judges p99 against the raw-bare run beside Celeriac', () => {
    const latency = { n: 2000, p50: 1, p90: 2, max: 9, achievedRate: 200 };
    const cel = {
      ...system(20_000, 20_000, { producer: 20, worker: 15 }),
      latency: { ...latency, p99: 3.3, baseline: { p50: 1, p90: 2, p99: 3 }, p99VsBaseline: 1.1 },
    };
    expect(targets({ 'raw-bare': bare, celeriac: cel }).at(-1)?.met).toBe(true);
    const slower = { ...cel, latency: { ...cel.latency, p99: 3.36, p99VsBaseline: 1.12 } };
    expect(targets({ 'raw-bare': bare, celeriac: slower }).at(-1)?.met).toBe(false);
  });

  it('says what it could not measure instead of a verdict', () => {
    expect(targets({ celeriac: bare })).toEqual([expect.objectContaining({ met: null })]);
  });

  it("divides Celeriac's medians by each peer's, null where a side did not run", () => {
    const r = ratios({
      'raw-bare': bare,
      celeriac: system(10_000, 5_000, { producer: 1, worker: 1 }),
      bullmq: system(20_000, 10_000, { producer: 1, worker: 1 }),
    });
    expect(r['e2eVsBare']).toBe(0.5);
    expect(r['enqueueVsBare']).toBe(0.25);
    expect(r['e2eVsBullmq']).toBe(0.5);
    expect(r['e2eVsGolevelup']).toBeNull();
    expect(r['e2eVsCelery']).toBeNull();
  });
});
