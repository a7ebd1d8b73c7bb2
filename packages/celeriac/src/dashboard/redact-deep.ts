/** `scheme://user:password@` anywhere in a string: the password goes. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*):[^\s/?#@'"]*@/gi;

/**
 * A copy of a JSON-like value with the password of every URL in it replaced by `***`: what the page shows
 * comes from workers (`inspect stats` names the broker) and from task arguments, and credentials must
 * never reach a browser.
 */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1:***@');
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value instanceof Date) return value;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactDeep(v)]),
    );
  }
  return value;
}
