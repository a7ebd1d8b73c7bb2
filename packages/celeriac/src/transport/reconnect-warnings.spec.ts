import { nextWarnedAttempt, shouldWarnReconnect } from './reconnect-warnings.js';

describe('shouldWarnReconnect', () => {
  it('warns for the first three failed attempts, then at each doubling', () => {
    const warned = Array.from({ length: 100 }, (_, i) => i + 1).filter(shouldWarnReconnect);
    expect(warned).toEqual([1, 2, 3, 4, 8, 16, 32, 64]);
  });

  it('names the next attempt that will be warned about', () => {
    expect(nextWarnedAttempt(3)).toBe(4);
    expect(nextWarnedAttempt(4)).toBe(8);
    expect(nextWarnedAttempt(40)).toBe(64);
  });
});
