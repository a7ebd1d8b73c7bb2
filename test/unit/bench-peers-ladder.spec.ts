// npm run bench:peers' broker cost ladder: each row's last column is what its one addition costs the
// broker, computed from the measured medians, and the like-for-like golevelup row gets its own ratio.
import type { PeersResults, SystemResults } from '../../bench/peers/peers-results.js';
import { ladderRows } from '../../bench/peers/peers-table.js';
import { ratios } from '../../bench/peers/targets.js';

function rung(id: string, broker: number) {
  return {
    id,
    label: id,
    enqueuePerSecond: 20_000,
    brokerCpuUsPerTask: broker,
    brokerSamples: [broker],
  };
}

function system(e2e: number): SystemResults {
  const phase = { rates: [e2e], median: e2e, brokerCpuUsPerTask: 40 };
  return { tasks: 20_000, e2e: phase, enqueue: phase, drain: phase };
}

describe('bench:peers broker cost ladder', () => {
  it('charges each step the difference to the row before it', () => {
    const r = { ladder: [rung('min', 30), rung('mandatory', 39.5), rung('content', 38)] };
    const rows = ladderRows(r as unknown as PeersResults);
    expect(rows.map((row) => [row[0], row[2], row[3]])).toEqual([
      ['min', '30.0', '—'],
      ['mandatory', '39.5', '+9.5'],
      ['content', '38.0', '-1.5'],
    ]);
  });

  it('has no rows for a run without the ladder', () => {
    expect(ladderRows({} as unknown as PeersResults)).toEqual([]);
  });

  it("compares Celeriac with golevelup carrying Celeriac's messages and with raw-min", () => {
    const out = ratios({
      celeriac: system(20_000),
      'golevelup-celery': system(16_000),
      'raw-min': system(25_000),
    });
    expect(out['e2eVsGolevelupSame']).toBe(1.25);
    expect(out['e2eVsMin']).toBe(0.8);
    expect(out['e2eVsGolevelup']).toBeNull();
  });
});
