import { createHash } from 'node:crypto';

/** The namespace of tick ids (a fixed, random UUID): the same entry and time give the same id everywhere. */
export const TICK_ID_NAMESPACE = '6f1c2a4e-8b1d-4c7a-9e35-2d0f4b8a7c61';

/**
 * The task id of one tick: a name-based UUID (RFC 4122 version 5, SHA-1) of `<entry>@<scheduled time in
 * ISO-8601>`. Every replica derives the same id for the same tick, so a tick can never hide as two tasks.
 */
export function tickId(entryName: string, scheduledAtMs: number): string {
  return uuidV5(`${entryName}@${new Date(scheduledAtMs).toISOString()}`, TICK_ID_NAMESPACE);
}

/** RFC 4122 §4.3: SHA-1 of the namespace bytes and the name, with the version and variant bits set. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`not a UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
