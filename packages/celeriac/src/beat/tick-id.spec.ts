import { tickId, uuidV5 } from './tick-id.js';

describe('tick ids', () => {
  it('is RFC 4122 version 5 (checked against the RFC’s DNS-namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('derives the same id from the same entry and time, and another from any other', () => {
    const t = Date.parse('2026-01-01T03:00:00Z');
    expect(tickId('nightly', t)).toBe(tickId('nightly', t));
    expect(tickId('nightly', t)).not.toBe(tickId('nightly', t + 1_000));
    expect(tickId('nightly', t)).not.toBe(tickId('hourly', t));
    expect(tickId('nightly', t)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
