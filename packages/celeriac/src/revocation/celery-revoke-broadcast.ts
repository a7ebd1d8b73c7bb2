import type { OutgoingMessage } from '../message/amqp-message.js';
import { jsonMessage } from '../message/json-message.js';
import { typedNumber } from '../message/header-values.js';
import type { RevokeRecord } from './revocation-record.js';

/**
 * The argument that tells a Celeriac worker this revocation is also on the named revocation stream, so
 * a worker reading that stream skips this copy. Celery's revoke command takes `**kwargs`: Python workers
 * ignore it.
 */
export const ALSO_ON_STREAM_ARGUMENT = 'celeriac_stream';

/**
 * Celery's own revoke command, as `app.control.revoke(ids, terminate=...)` broadcasts it on the
 * `celery.pidbox` fanout exchange (celery-protocol.md §12; the property and header layout of
 * fixtures/celery-5.2.6/pidbox_ping_broadcast.json). Python Celery workers do not read Celeriac's
 * revocation stream; this is what they do read, so a Celeriac client reaches them too. As in Celery, it
 * reaches only the workers running at that moment, and lives in their memory.
 *
 * `destination` null addresses every worker; no `ticket` or `reply_to`, so no worker answers (Celery's
 * revoke does not wait for replies either). `expires` 0 means never: kombu sets it only when the caller
 * waits for replies, and the pidbox queues drop commands older than 300 s anyway.
 *
 * @param stream - the revocation stream the record was published on
 * @param clock - the sender's Lamport clock, as kombu sends it (`I`)
 */
export function encodeCeleryRevoke(
  record: RevokeRecord,
  stream: string,
  clock: number,
): OutgoingMessage {
  const body = {
    method: 'revoke',
    arguments: {
      task_id: record.ids,
      terminate: record.terminate,
      // What a prefork Celery worker sends a running task's process when `terminate` is set.
      signal: 'SIGTERM',
      [ALSO_ON_STREAM_ARGUMENT]: stream,
    },
    destination: null,
    pattern: null,
    matcher: null,
  };
  return jsonMessage(body, {
    deliveryMode: 2,
    priority: 0,
    // `expires` is a float in kombu's header (`d`), even when it is 0.
    headers: { clock: typedNumber(clock), expires: { '!': 'float64', value: 0 } },
  });
}
