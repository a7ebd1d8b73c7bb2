import { formatCeleryDate, parseCeleryDate } from './celery-date.js';

describe('formatCeleryDate', () => {
  it('writes Python isoformat in UTC with six fraction digits and +00:00', () => {
    expect(formatCeleryDate(new Date(Date.UTC(2026, 10, 26, 20, 28, 12, 572)))).toBe(
      '2026-11-26T20:28:12.572000+00:00',
    );
  });

  it('keeps the fraction even when it is zero (Celery 5.2 reads the digits as microseconds)', () => {
    expect(formatCeleryDate(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 0)))).toBe(
      '2030-01-02T03:04:05.000000+00:00',
    );
    expect(formatCeleryDate(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 5)))).toBe(
      '2030-01-02T03:04:05.005000+00:00',
    );
  });

  it('pads small years to four digits', () => {
    const d = new Date(0);
    d.setUTCFullYear(33, 0, 1);
    expect(formatCeleryDate(d)).toBe('0033-01-01T00:00:00.000000+00:00');
  });

  it('refuses invalid dates and years Python cannot hold', () => {
    expect(() => formatCeleryDate(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatCeleryDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
  });
});

describe('parseCeleryDate', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('reads what Celery sends: six digits and +00:00', () => {
    expect(parseCeleryDate('2026-11-26T20:28:12.572614+00:00')?.getTime()).toBe(
      at('2026-11-26T20:28:12.572Z'),
    );
  });

  it('reads a date without a fraction (Celery leaves it out when zero)', () => {
    expect(parseCeleryDate('2026-11-26T20:28:12+00:00')?.getTime()).toBe(
      at('2026-11-26T20:28:12.000Z'),
    );
  });

  it('takes the fraction as a decimal fraction of a second, for 1 to 9 digits', () => {
    expect(parseCeleryDate('2026-11-26T20:28:12.5Z')?.getTime()).toBe(
      at('2026-11-26T20:28:12.500Z'),
    );
    expect(parseCeleryDate('2026-11-26T20:28:12.05Z')?.getTime()).toBe(
      at('2026-11-26T20:28:12.050Z'),
    );
    expect(parseCeleryDate('2026-11-26T20:28:12.123456789Z')?.getTime()).toBe(
      at('2026-11-26T20:28:12.123Z'),
    );
    expect(parseCeleryDate('2026-11-26T20:28:12.999999999Z')?.getTime()).toBe(
      at('2026-11-26T20:28:12.999Z'),
    );
    expect(parseCeleryDate('2026-11-26T20:28:12.1234567890Z')).toBeNull();
  });

  it('applies positive and negative offsets', () => {
    expect(parseCeleryDate('2026-11-26T22:28:12+02:00')?.getTime()).toBe(
      at('2026-11-26T20:28:12Z'),
    );
    expect(parseCeleryDate('2026-11-26T14:58:12.250-05:30')?.getTime()).toBe(
      at('2026-11-26T20:28:12.250Z'),
    );
    expect(parseCeleryDate('2026-11-26T22:28:12+0200')?.getTime()).toBe(at('2026-11-26T20:28:12Z'));
    expect(parseCeleryDate('2026-01-01T00:30:00+01:00')?.getTime()).toBe(
      at('2025-12-31T23:30:00Z'),
    );
  });

  it('takes naive strings as UTC, with T or a space', () => {
    expect(parseCeleryDate('2026-11-26T20:28:12.572614')?.getTime()).toBe(
      at('2026-11-26T20:28:12.572Z'),
    );
    expect(parseCeleryDate('2026-11-26 20:28:12')?.getTime()).toBe(at('2026-11-26T20:28:12Z'));
  });

  it('keeps years below 100 as they are (no 19xx mapping)', () => {
    expect(parseCeleryDate('0033-01-01T00:00:00+00:00')?.getUTCFullYear()).toBe(33);
  });

  it('returns null for anything invalid', () => {
    for (const bad of [
      '',
      'tomorrow',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-11-26T24:00:00Z',
      '2026-11-26T20:60:00Z',
      '2026-11-26T20:28:61Z',
      '2026-11-26T20:28:12+24:00',
      '2026-11-26T20:28:12.Z',
      '2026-11-26',
      '0000-01-01T00:00:00Z',
      ' 2026-11-26T20:28:12Z',
    ]) {
      expect(parseCeleryDate(bad), bad).toBeNull();
    }
    expect(parseCeleryDate(null)).toBeNull();
    expect(parseCeleryDate(1764188892)).toBeNull();
    expect(parseCeleryDate(new Date())).toBeNull();
  });

  it('round-trips with formatCeleryDate', () => {
    const d = new Date(Date.UTC(2026, 10, 26, 20, 28, 12, 572));
    expect(parseCeleryDate(formatCeleryDate(d))?.getTime()).toBe(d.getTime());
  });
});
