/**
 * Dates in the `eta` and `expires` headers (celery-protocol.md §3, §14.3).
 *
 * We write exactly what Python's `datetime.isoformat()` writes for an aware UTC datetime with
 * microseconds: six fraction digits and `+00:00`. Celery 5.2 reads the fraction digits as a count of
 * microseconds, so a short fraction such as JS `toISOString()`'s `.5` would be read as 5 µs, and 5.3.0–5.3.4
 * reject a `Z` suffix on Python < 3.11. Python datetimes only span years 1–9999, so nothing else can be sent.
 *
 * When reading we are lenient: with or without a fraction, `Z` or a numeric offset, and naive strings
 * (Celery takes those as UTC, the app timezone).
 */

const MS_PER_MINUTE = 60_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats `d` like Python `isoformat()` in UTC, e.g. `2026-11-26T20:28:12.572000+00:00`.
 * Throws a RangeError for an invalid date or a year outside 1..9999 (not representable in Python).
 */
export function formatCeleryDate(d: Date): string {
  const time = d.getTime();
  if (Number.isNaN(time)) {
    throw new RangeError('Cannot format an invalid Date for Celery');
  }
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new RangeError(`Year ${year} is outside the range Python datetimes support (1..9999)`);
  }
  const date = `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const clock = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  // A JS Date holds milliseconds; the last three microsecond digits are always zero.
  const micros = pad(d.getUTCMilliseconds() * 1000, 6);
  return `${date}T${clock}.${micros}+00:00`;
}

// date, separator (T or space, as Python's str(datetime) uses), time with optional seconds and 1–9 fraction
// digits, then an optional zone: Z, ±HH:MM or ±HHMM.
const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Parses an ISO-8601 date as Celery sends it. Returns null for anything that is not a valid date string.
 * Sub-millisecond digits are truncated (a JS Date cannot hold them).
 */
export function parseCeleryDate(s: unknown): Date | null {
  if (typeof s !== 'string') {
    return null;
  }
  const m = ISO_PATTERN.exec(s);
  if (m === null) {
    return null;
  }
  const [, y, mo, d, h, mi, sec, frac, , sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  // The fraction is a decimal fraction of a second: ".5" is 500 ms, not 5 µs. Working on the digits keeps
  // the truncation exact (no floating-point rounding).
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return null;
  }

  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return null; // e.g. February 30th rolled over into March
  }
  date.setUTCHours(hour, minute, second, millis);

  if (sign !== undefined) {
    const offsetHours = Number(offH);
    const offsetMinutes = Number(offM);
    if (offsetHours > 23 || offsetMinutes > 59) {
      return null;
    }
    const offset = (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
    // Local time = UTC + offset, so UTC = local time - offset.
    date.setTime(date.getTime() - (sign === '-' ? -offset : offset));
  }
  return Number.isNaN(date.getTime()) ? null : date;
}
