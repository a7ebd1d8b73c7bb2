/**
 * Headers a delayed message carries through the cascade: where to deliver it when it is due. The due
 * time itself is the Celery `eta` header, the one source of truth.
 */
export const DELAY_HEADERS = {
  exchange: 'x-celeriac-delay-exchange',
  routingKey: 'x-celeriac-delay-routing-key',
} as const;

/**
 * Headers left out of a forwarded task: our destination, and what the broker adds on each dead-letter
 * hop (a task must not arrive carrying 28 `x-death` entries).
 */
const BOOKKEEPING_HEADERS: ReadonlySet<string> = new Set([
  DELAY_HEADERS.exchange,
  DELAY_HEADERS.routingKey,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
]);

/** The destination headers of a delayed message. */
export function destinationHeaders(exchange: string, routingKey: string): Record<string, string> {
  return { [DELAY_HEADERS.exchange]: exchange, [DELAY_HEADERS.routingKey]: routingKey };
}

/** Reads the destination back; null when the message did not come through our cascade. */
export function readDestination(
  headers: Readonly<Record<string, unknown>>,
): { exchange: string; routingKey: string } | null {
  const exchange = headers[DELAY_HEADERS.exchange];
  const routingKey = headers[DELAY_HEADERS.routingKey];
  if (typeof exchange !== 'string' || typeof routingKey !== 'string') return null;
  return { exchange, routingKey };
}

/** The headers a task is delivered with: the delay and dead-letter bookkeeping removed. */
export function withoutDelayHeaders(
  headers: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !BOOKKEEPING_HEADERS.has(name)),
  );
}
