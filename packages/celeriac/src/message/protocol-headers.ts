/**
 * The sixteen headers of Celery protocol 2, in the order Celery 5.2 writes them (celery-protocol.md §3).
 * Everything else in the table is a custom header (`headers=` in Celery), kept in `extraHeaders`.
 */
export const PROTOCOL_HEADERS = [
  'lang',
  'task',
  'id',
  'shadow',
  'eta',
  'expires',
  'group',
  'group_index',
  'retries',
  'timelimit',
  'root_id',
  'parent_id',
  'argsrepr',
  'kwargsrepr',
  'origin',
  'ignore_result',
] as const;

export type ProtocolHeader = (typeof PROTOCOL_HEADERS)[number];

/**
 * Names a custom header may never take when we encode: the protocol ones, and `compression`, which would
 * make every receiver try to decompress a plain JSON body.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set<string>([
  ...PROTOCOL_HEADERS,
  'compression',
]);

const PROTOCOL_HEADER_SET: ReadonlySet<string> = new Set<string>(PROTOCOL_HEADERS);

export function isProtocolHeader(name: string): name is ProtocolHeader {
  return PROTOCOL_HEADER_SET.has(name);
}

/**
 * Header with the time a task was published, in ms since the epoch (the name RabbitMQ's message
 * timestamp plugin uses), put on every task Celeriac publishes: a worker measures how long the task
 * waited from it. Bookkeeping, not a custom header: handlers do not see it in `ctx.headers`. Python
 * workers ignore it.
 */
export const SENT_AT_HEADER = 'timestamp_in_ms';
