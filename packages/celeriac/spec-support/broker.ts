import { randomUUID } from 'node:crypto';

/** The broker the package's own broker specs talk to (CI points it at a vhost of its run). */
export const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test uses. */
export function uniqueName(prefix: string): string {
  return `t-${prefix}-${randomUUID().slice(0, 8)}`;
}
