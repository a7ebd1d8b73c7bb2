/** What a redacted password is replaced with. */
const REDACTED = '***';

/**
 * Replaces the password of an AMQP URL with `***`, keeping everything else as written, so that the URL can
 * go into logs and error messages.
 *
 * Works on any string, including ones that do not parse: when a URL parser finds no credentials, or cannot
 * parse the string at all, everything between the first `:` after the scheme and the last `@` is replaced.
 * A malformed URL (a raw `/`, `#` or `@` in the password) therefore cannot leak its password, at the cost of
 * hiding a little more than the password now and then.
 *
 * @example redactUrl('amqp://guest:guest@127.0.0.1:5672') // 'amqp://guest:***@127.0.0.1:5672'
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd === -1 ? 0 : schemeEnd + 3;
  // Only when a parser agrees that there are credentials do we trust it to tell where the authority ends;
  // `amqp://u:12#34@host` parses as host `u`, port 12, no password, yet `12#34` was meant as one.
  const end = schemeEnd !== -1 && hasParsedCredentials(url) ? authorityEnd(url, start) : url.length;
  const at = url.lastIndexOf('@', end - 1);
  if (at < start) return url;
  const colon = url.indexOf(':', start);
  if (colon === -1 || colon > at) return url;
  return `${url.slice(0, colon + 1)}${REDACTED}${url.slice(at)}`;
}

function hasParsedCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** Where the WHATWG parser ends the authority of a non-special URL such as `amqp://`. */
function authorityEnd(url: string, start: number): number {
  const ends = ['/', '?', '#'].map((c) => url.indexOf(c, start)).filter((i) => i !== -1);
  return ends.length === 0 ? url.length : Math.min(...ends);
}
