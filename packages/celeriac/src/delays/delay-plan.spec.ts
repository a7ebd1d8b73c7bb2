import { DELAY_LEAD_MS, HOLD_LIMIT_MS, planDelay } from './delay-plan.js';
import {
  bitPattern,
  DELAY_LEVELS,
  delayRoutingKey,
  entryLevel,
  MAX_DELAY_SECONDS,
} from './delay-topology.js';

const NOW = 1_000_000;

describe('delay cascade arithmetic', () => {
  it('writes the delay in binary, most significant bit first, one word per level', () => {
    const key = delayRoutingKey(99); // 0b1100011
    const words = key.split('.');
    expect(words).toHaveLength(DELAY_LEVELS);
    expect(words.slice(-7).join('')).toBe('1100011');
    expect(words.slice(0, -7).every((w) => w === '0')).toBe(true);
    expect(
      delayRoutingKey(MAX_DELAY_SECONDS)
        .split('.')
        .every((w) => w === '1'),
    ).toBe(true);
  });

  it('enters at the level of the highest set bit', () => {
    expect(entryLevel(1)).toBe(0);
    expect(entryLevel(99)).toBe(6);
    expect(entryLevel(2 ** 27)).toBe(27);
  });

  it('binds each level on its own bit', () => {
    expect(bitPattern(DELAY_LEVELS - 1, 1)).toBe('1.#');
    expect(bitPattern(0, 0)).toBe(`${'*.'.repeat(DELAY_LEVELS - 1)}0.#`);
    // A level's pattern matches exactly the keys with that bit set.
    const matches = (pattern: string, key: string): boolean =>
      new RegExp(
        `^${pattern
          .replace(/\./g, '\\.')
          .replace(/\*/g, '[01]')
          .replace(/\\\.#$/, '(\\..*)?')}$`,
      ).test(key);
    for (let k = 0; k < 7; k++) {
      expect(matches(bitPattern(k, 1), delayRoutingKey(99))).toBe(
        Math.floor(99 / 2 ** k) % 2 === 1,
      );
      expect(matches(bitPattern(k, 0), delayRoutingKey(99))).toBe(
        Math.floor(99 / 2 ** k) % 2 === 0,
      );
    }
  });

  it('lets the receiving worker hold a task that is due within the hold limit', () => {
    expect(planDelay(NOW - 5, NOW, 'p')).toEqual({ kind: 'direct' });
    expect(planDelay(NOW + HOLD_LIMIT_MS, NOW, 'p')).toEqual({ kind: 'direct' });
  });

  it('sends a task less than a cascade step away straight to the ready queue', () => {
    expect(planDelay(NOW + HOLD_LIMIT_MS + 1, NOW, 'p')).toEqual({
      kind: 'ready',
      queue: 'p.ready',
    });
    expect(planDelay(NOW + DELAY_LEAD_MS + 999, NOW, 'p').kind).toBe('ready');
    expect(planDelay(NOW + DELAY_LEAD_MS + 1000, NOW, 'p').kind).toBe('cascade');
  });

  it('leaves the cascade up to a second before the eta less the lead, never after it', () => {
    for (const delayMs of [2_000, 2_999, 10_000, 100_500, 86_400_000]) {
      const plan = planDelay(NOW + delayMs, NOW, 'p');
      if (plan.kind !== 'cascade') throw new Error(`expected the cascade for ${delayMs} ms`);
      const leavesAt = plan.seconds * 1000;
      expect(leavesAt).toBeLessThanOrEqual(delayMs - DELAY_LEAD_MS);
      expect(leavesAt).toBeGreaterThan(delayMs - DELAY_LEAD_MS - 1000);
      expect(plan.exchange).toBe(`p.L${String(entryLevel(plan.seconds)).padStart(2, '0')}`);
      expect(plan.routingKey).toBe(delayRoutingKey(plan.seconds));
    }
  });

  it('refuses an eta beyond what the cascade can carry', () => {
    expect(() => planDelay(NOW + (MAX_DELAY_SECONDS + 10) * 1000, NOW, 'p')).toThrow(RangeError);
  });
});
