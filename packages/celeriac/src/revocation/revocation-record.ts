/**
 * What travels on the revocation stream: JSON bodies, one record per message. Pure; decoding never throws.
 *
 * - `revoke`: `{"kind":"revoke","ids":["…"],"terminate":false,"reason":null,"at":"2026-…Z","origin":"gen1@host"}`
 * - `sync`: a marker a worker writes and reads back, so it knows it has read everything published before
 *   it: `{"kind":"sync","marker":"<uuid>","at":"…"}`.
 */
import type { OutgoingMessage } from '../message/amqp-message.js';
import { jsonMessage } from '../message/json-message.js';
import { parseJsonPayload } from '../message/json-payload.js';

/** A revocation as `TaskClient.revoke` publishes it. */
export interface RevokeRecord {
  readonly kind: 'revoke';
  readonly ids: readonly string[];
  /** Abort the task if it is running (its `ctx.signal`), not only refuse to start it. */
  readonly terminate: boolean;
  /** Free text for logs and dead letters; never sent to the task's caller. */
  readonly reason: string | null;
  /** When it was revoked (the sender's clock), in ms since the epoch. */
  readonly at: number;
  /** Who revoked it (`gen<pid>@<host>`). */
  readonly origin: string;
}

/** A worker's read-back marker. */
export interface SyncRecord {
  readonly kind: 'sync';
  readonly marker: string;
  readonly at: number;
}

export type RevocationRecord = RevokeRecord | SyncRecord;

export type RecordDecodeResult =
  | { readonly ok: true; readonly record: RevocationRecord }
  | { readonly ok: false; readonly detail: string };

/** Largest body a reader parses: a revoke of 10 000 ids of 255 bytes fits in 2.7 MB. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Encodes a record as a persistent JSON message. */
export function encodeRecord(record: RevocationRecord): OutgoingMessage {
  const body =
    record.kind === 'revoke'
      ? {
          kind: record.kind,
          ids: record.ids,
          terminate: record.terminate,
          reason: record.reason,
          at: new Date(record.at).toISOString(),
          origin: record.origin,
        }
      : { kind: record.kind, marker: record.marker, at: new Date(record.at).toISOString() };
  return jsonMessage(body, { deliveryMode: 2, headers: {} });
}

/** Decodes one stream message body; `ok: false` says what is wrong with it. */
export function decodeRecord(content: Buffer): RecordDecodeResult {
  const parsed = parseJsonPayload(content, { maxPayloadBytes: MAX_RECORD_BYTES, maxDepth: 4 });
  if (!parsed.ok) return { ok: false, detail: `${parsed.reason}: ${parsed.detail}` };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, detail: 'not a JSON object' };
  }
  const body = value as Record<string, unknown>;
  const at = typeof body['at'] === 'string' ? Date.parse(body['at']) : Number.NaN;
  if (Number.isNaN(at)) return { ok: false, detail: '"at" is not an ISO date' };
  if (body['kind'] === 'sync') {
    const marker = body['marker'];
    if (typeof marker !== 'string' || marker === '') {
      return { ok: false, detail: '"marker" is not a non-empty string' };
    }
    return { ok: true, record: { kind: 'sync', marker, at } };
  }
  if (body['kind'] !== 'revoke') return { ok: false, detail: 'unknown "kind"' };
  const ids = body['ids'];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(isTaskId)) {
    return { ok: false, detail: '"ids" is not a non-empty list of task ids' };
  }
  const terminate = body['terminate'];
  const reason = body['reason'] ?? null;
  const origin = body['origin'] ?? '';
  if (typeof terminate !== 'boolean') return { ok: false, detail: '"terminate" is not a boolean' };
  if (reason !== null && typeof reason !== 'string') {
    return { ok: false, detail: '"reason" is not a string' };
  }
  if (typeof origin !== 'string') return { ok: false, detail: '"origin" is not a string' };
  return { ok: true, record: { kind: 'revoke', ids, terminate, reason, at, origin } };
}

function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
