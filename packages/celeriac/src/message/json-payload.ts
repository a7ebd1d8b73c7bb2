/**
 * Turning a delivery's bytes into a JSON value without trusting them: a size cap checked before any work,
 * strict UTF-8, a nesting cap checked by a cheap scan before `JSON.parse` (deep nesting makes every later
 * recursive walk, ours or a user's, blow the stack), and secure-json-parse to refuse `__proto__` and
 * `constructor.prototype` keys (prototype pollution once the value is merged into other objects).
 */

import secureJson from 'secure-json-parse';

/** Caps applied to a payload before it is parsed. */
export interface DecodeLimits {
  /** Largest body accepted, in bytes. @defaultValue 1 MiB */
  readonly maxPayloadBytes?: number;
  /** Deepest `[`/`{` nesting accepted. @defaultValue 64 */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

export type JsonPayloadFailureReason = 'oversize' | 'bad-json' | 'forbidden-key' | 'too-deep';

export type JsonPayloadResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: JsonPayloadFailureReason; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The size check alone, so callers can run it before anything else. Null when the size is fine. */
export function checkPayloadSize(content: Buffer, limits: DecodeLimits = {}): string | null {
  const max = limits.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  return content.length > max ? `body is ${content.length} bytes, the limit is ${max}` : null;
}

/**
 * True when `text` nests arrays/objects deeper than `maxDepth`. Brackets inside strings do not count.
 * It does not validate the JSON; JSON.parse does that afterwards.
 */
export function exceedsJsonDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) {
        i++; // skip the escaped character, which may be a quote
      } else if (c === 0x22 /* " */) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > maxDepth) {
        return true;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Size check, UTF-8 decoding, depth scan and secure parse, in that order. Never throws. */
export function parseJsonPayload(content: Buffer, limits: DecodeLimits = {}): JsonPayloadResult {
  const oversize = checkPayloadSize(content, limits);
  if (oversize !== null) {
    return { ok: false, reason: 'oversize', detail: oversize };
  }
  let text: string;
  try {
    text = utf8.decode(content); // also drops a leading BOM
  } catch (err) {
    return { ok: false, reason: 'bad-json', detail: `body is not valid UTF-8: ${describe(err)}` };
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (exceedsJsonDepth(text, maxDepth)) {
    return { ok: false, reason: 'too-deep', detail: `body nests deeper than ${maxDepth} levels` };
  }
  try {
    const value: unknown = secureJson.parse(text, null, {
      protoAction: 'error',
      constructorAction: 'error',
    });
    return { ok: true, value };
  } catch (err) {
    // secure-json-parse throws a SyntaxError both for bad JSON and for a forbidden key. Telling them apart
    // by message would be brittle; plain JSON.parse succeeding means the JSON itself was fine.
    if (parsesAsPlainJson(text)) {
      return { ok: false, reason: 'forbidden-key', detail: describe(err) };
    }
    return { ok: false, reason: 'bad-json', detail: describe(err) };
  }
}

function parsesAsPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
