// The fault suite's checker (test/faults/support/checker.ts) decides which duplicates a fault explains;
// a wrong rule either hides a real double run or fails a run that kept the at-least-once promise.
import { check, type FaultWindow } from '../faults/support/checker.js';
import { Ledger } from '../faults/support/ledger.js';

/** A delayed task sent at 0 and run twice at about 2 s, by worker 11 and worker 12. */
function delayedTwice(): Ledger {
  const ledger = new Ledger();
  ledger.record({ e: 'sent', id: 't1', t0: 0, t: 3 });
  ledger.record({ e: 'started', id: 't1', t: 2_061, pid: 11, redelivered: false });
  ledger.record({ e: 'started', id: 't1', t: 2_064, pid: 12, redelivered: false });
  ledger.record({ e: 'done', id: 't1', t: 2_067, pid: 11, redelivered: false });
  ledger.record({ e: 'done', id: 't1', t: 2_069, pid: 12, redelivered: false });
  return ledger;
}

const killOfTheForwarder: FaultWindow = { label: 'kill-worker', from: 2_050, to: 2_060, pid: 13 };

describe('fault checker', () => {
  it('explains a delayed duplicate by the kill of another worker, which may have forwarded it', () => {
    const v = check('delayed', delayedTwice(), [killOfTheForwarder], '', { delayed: true });
    expect(v.duplicates).toEqual(['t1']);
    expect(v.explained).toEqual(['t1']);
  });

  it('does not explain it by a kill long after both runs, nor without the delayed option', () => {
    const late: FaultWindow = { ...killOfTheForwarder, from: 9_000, to: 9_010 };
    expect(check('late', delayedTwice(), [late], '', { delayed: true }).explained).toEqual([]);
    expect(check('undelayed', delayedTwice(), [killOfTheForwarder]).explained).toEqual([]);
  });

  it('explains it by a broker fault during the stay in the cascade', () => {
    const brokerKill: FaultWindow = { label: 'kill-broker', from: 500, to: 1_500 };
    const v = check('delayed', delayedTwice(), [brokerKill], '', { delayed: true });
    expect(v.explained).toEqual(['t1']);
    expect(v.lost).toEqual([]);
  });

  it('names the faults near an unexplained duplicate in its line', () => {
    const late: FaultWindow = { ...killOfTheForwarder, from: 9_000, to: 9_010 };
    const line = check('late', delayedTwice(), [late], '', { delayed: true }).line;
    expect(line).toContain('unexplained duplicate t1');
    expect(line).toContain('faults near it: kill-worker (pid 13) +9000…+9010 ms');
    expect(check('none', delayedTwice(), []).line).toContain('no fault within 10 s');
  });
});
