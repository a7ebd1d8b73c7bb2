/**
 * The smallest RabbitMQ permissions (configure, write, read regexes on the app's vhost) a Celeriac client
 * and a Celeriac worker need, when every name of the app starts with `<ns>.` (its queues, `delayPrefix`,
 * `revocation.stream`). docs/scaling.md explains each part.
 *
 * - `<ns>\..*`: the app's task queues and their exchanges, `<queue>.dead`, the delay cascade, the stream.
 * - a UUID: the rpc:// reply queue a client declares for results (Celery names it after the app's id).
 * - `celery\.pidbox`, `reply\.celery\.pidbox`, `.*\.celery\.pidbox`: Celery remote control (revoke's
 *   broadcast, `inspect`, and the worker's own control queue).
 * - `celeryev(\..*)?`: Celery monitoring events and their queues.
 * - `amq\.gen-.*`: server-named queues (event receivers, `inspect` replies).
 * - write on `amq\.default`: replies and raw sends go through the default exchange.
 */
export function celeriacPermissions(ns: string): {
  configure: string;
  write: string;
  read: string;
} {
  const names = [
    `${escape(ns)}\\..*`,
    '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
    'celery\\.pidbox',
    'reply\\.celery\\.pidbox',
    '.*\\.celery\\.pidbox',
    'celeryev(\\..*)?',
    'amq\\.gen-.*',
  ].join('|');
  return {
    configure: `^(${names})$`,
    write: `^(${names}|amq\\.default)$`,
    read: `^(${names})$`,
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
