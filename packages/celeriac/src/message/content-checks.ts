/**
 * What must be true of a delivery's properties before its body is worth parsing (celery-protocol.md §2,
 * §3 "compression header", §14.8). Celeriac speaks JSON in UTF-8 only, like a worker with
 * `accept_content=['json']`: a pickled body must never reach a parser.
 */

import type { IncomingProperties } from './amqp-message.js';
import { JSON_CONTENT_TYPE } from './task-message.js';

export interface ContentProblem {
  readonly reason: 'content-type' | 'compressed';
  readonly detail: string;
}

/** Media type without parameters, lower-cased: `Application/JSON; charset=utf-8` → `application/json`. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function isUtf8(encoding: string): boolean {
  const e = encoding.trim().toLowerCase();
  return e === 'utf-8' || e === 'utf8';
}

/** Null when the content type, encoding and compression are ones we can decode. */
export function checkContent(
  properties: IncomingProperties,
  headers: Readonly<Record<string, unknown>>,
): ContentProblem | null {
  const { contentType, contentEncoding } = properties;
  if (contentType === undefined || contentType === '') {
    return { reason: 'content-type', detail: 'no content type; only application/json is accepted' };
  }
  if (mediaType(contentType) !== JSON_CONTENT_TYPE) {
    return {
      reason: 'content-type',
      detail: `content type "${contentType}" is not accepted; only application/json is`,
    };
  }
  // Celery always sets utf-8 for JSON; an absent encoding is read as UTF-8, anything else is refused.
  if (contentEncoding !== undefined && contentEncoding !== '' && !isUtf8(contentEncoding)) {
    return {
      reason: 'content-type',
      detail: `content encoding "${contentEncoding}" is not accepted; only utf-8 is`,
    };
  }
  const compression = Object.hasOwn(headers, 'compression') ? headers['compression'] : undefined;
  if (compression !== undefined && compression !== null) {
    return {
      reason: 'compressed',
      detail: `compressed bodies (${typeof compression === 'string' ? compression : 'unknown compressor'}) are not supported`,
    };
  }
  return null;
}
