import { RevokedIds } from './revoked-ids.js';

const HOUR = 3_600_000;

/** A set on a clock the test moves. */
function setOn(retentionMs: number, maxIds: number): { ids: RevokedIds; clock: { now: number } } {
  const clock = { now: 1_000_000_000 };
  return { ids: new RevokedIds(retentionMs, maxIds, () => clock.now), clock };
}

describe('RevokedIds', () => {
  it('remembers an id for the retention after its revocation, then forgets it', () => {
    const { ids, clock } = setOn(3 * HOUR, 10);
    ids.add(['a'], clock.now, false);
    expect(ids.has('a')).toBe(true);
    expect(ids.has('b')).toBe(false);
    clock.now += 3 * HOUR - 1;
    expect(ids.has('a')).toBe(true);
    clock.now += 1;
    expect(ids.has('a')).toBe(false);
  });

  it('counts the retention from when the id was revoked, not from when it was read', () => {
    const { ids, clock } = setOn(3 * HOUR, 10);
    // A worker that starts later reads a revocation made two hours ago: one hour of it is left.
    ids.add(['a'], clock.now - 2 * HOUR, false);
    clock.now += HOUR - 1;
    expect(ids.has('a')).toBe(true);
    clock.now += 1;
    expect(ids.has('a')).toBe(false);
  });

  it('ignores revocations older than the retention', () => {
    const { ids, clock } = setOn(3 * HOUR, 10);
    expect(ids.add(['old'], clock.now - 3 * HOUR, false)).toEqual([]);
    expect(ids.has('old')).toBe(false);
    expect(ids.size).toBe(0);
  });

  it('treats a revocation time ahead of its clock as now (a sender with a fast clock)', () => {
    const { ids, clock } = setOn(HOUR, 10);
    ids.add(['a'], clock.now + 10 * HOUR, false);
    clock.now += HOUR;
    expect(ids.has('a')).toBe(false);
  });

  it('keeps at most maxIds, forgetting the oldest revocations first', () => {
    const { ids, clock } = setOn(HOUR, 3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      ids.add([id], clock.now, false);
      clock.now += 1;
    }
    expect(ids.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => ids.has(id))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('stays bounded under a flood of ids in one revocation', () => {
    const { ids, clock } = setOn(HOUR, 1_000);
    ids.add(
      Array.from({ length: 50_000 }, (_, i) => `id-${i}`),
      clock.now,
      false,
    );
    expect(ids.size).toBe(1_000);
    expect(ids.has('id-49999')).toBe(true);
    expect(ids.has('id-0')).toBe(false);
  });

  it('renews an id revoked again, and moves it behind the others', () => {
    const { ids, clock } = setOn(HOUR, 2);
    ids.add(['a'], clock.now, false);
    ids.add(['b'], clock.now, false);
    clock.now += 10;
    ids.add(['a'], clock.now, false);
    ids.add(['c'], clock.now, false); // pushes out the oldest: b, not the renewed a
    expect(ids.has('a')).toBe(true);
    expect(ids.has('b')).toBe(false);
    expect(ids.has('c')).toBe(true);
  });

  it('purges expired ids as new ones arrive', () => {
    const { ids, clock } = setOn(HOUR, 100);
    ids.add(['a', 'b'], clock.now, false);
    clock.now += HOUR;
    ids.add(['c'], clock.now, false);
    expect(ids.size).toBe(1);
  });

  it('says whether a revocation asked to terminate, and keeps that when revoked again without', () => {
    const { ids, clock } = setOn(HOUR, 10);
    ids.add(['a'], clock.now, true);
    ids.add(['b'], clock.now, false);
    expect(ids.terminated('a')).toBe(true);
    expect(ids.terminated('b')).toBe(false);
    ids.add(['a'], clock.now, false);
    expect(ids.terminated('a')).toBe(true);
    clock.now += HOUR;
    expect(ids.terminated('a')).toBe(false);
  });
});
