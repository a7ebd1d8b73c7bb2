import { HOLD_LIMIT_MS } from '../delays/delay-plan.js';
import { afterHold, onArrival } from './admission.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const at = (offsetMs: number): Date => new Date(NOW + offsetMs);

describe('onArrival', () => {
  it('a registered task without eta or expiry is due', () => {
    expect(onArrival(true, null, null, true, NOW)).toBe('due');
  });

  it('an unregistered task is refused before anything else is looked at', () => {
    expect(onArrival(false, at(-1), at(60_000), true, NOW)).toBe('unknown-task');
  });

  it('expires at or before now: expired, even with an eta still ahead', () => {
    expect(onArrival(true, at(0), null, true, NOW)).toBe('expired');
    expect(onArrival(true, at(-1), at(60_000), true, NOW)).toBe('expired');
  });

  it('an expiry still ahead does not stop it', () => {
    expect(onArrival(true, at(1), null, true, NOW)).toBe('due');
  });

  it('an eta at or before now is due', () => {
    expect(onArrival(true, null, at(0), true, NOW)).toBe('due');
    expect(onArrival(true, null, at(-5_000), true, NOW)).toBe('due');
  });

  it('an eta within the hold limit is held, cascade or not', () => {
    expect(onArrival(true, null, at(1), true, NOW)).toBe('hold');
    expect(onArrival(true, null, at(HOLD_LIMIT_MS), true, NOW)).toBe('hold');
  });

  it('an eta past the hold limit goes back into the cascade', () => {
    expect(onArrival(true, null, at(HOLD_LIMIT_MS + 1), true, NOW)).toBe('defer');
    expect(onArrival(true, at(3_600_000), at(60_000), true, NOW)).toBe('defer');
  });

  it('without a cascade, a far eta is held too', () => {
    expect(onArrival(true, null, at(60_000), false, NOW)).toBe('hold');
  });
});

describe('afterHold', () => {
  it('sends a hold cut short at the hold limit back to its queue, unless it expired meanwhile', () => {
    expect(afterHold(true, true, null, NOW)).toBe('requeue');
    expect(afterHold(true, true, at(1), NOW)).toBe('requeue');
    expect(afterHold(true, true, at(0), NOW)).toBe('expired');
  });

  it('a hold ended by the worker stopping gives the task back, whatever its expiry', () => {
    expect(afterHold(false, false, null, NOW)).toBe('give-back');
    expect(afterHold(false, true, at(-1), NOW)).toBe('give-back');
  });

  it('a task that expired while held is expired', () => {
    expect(afterHold(true, false, at(0), NOW)).toBe('expired');
  });

  it('a task held to its eta and not expired is due', () => {
    expect(afterHold(true, false, null, NOW)).toBe('due');
    expect(afterHold(true, false, at(1), NOW)).toBe('due');
  });
});
