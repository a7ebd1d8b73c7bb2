/**
 * Test support: reads the captured Celery 5.2.6 messages in place (never copied) and turns them into
 * deliveries shaped like amqplib's, plus access to amqplib's field-table codec. Used by specs only.
 */

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { IncomingMessage, IncomingProperties } from '../src/message/amqp-message.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** packages/celeriac/spec-support → repository root. */
export const REPO_ROOT = path.resolve(HERE, '../../..');

/**
 * The captured messages, copied byte for byte into the repository so that a clone anywhere can run the
 * codec tests; `celery-fixtures.spec.ts` checks the copy against the shared originals when they are there.
 */
export const FIXTURES_DIR =
  process.env['CELERY_FIXTURES_DIR'] ?? path.resolve(REPO_ROOT, 'test/fixtures/celery-5.2.6');

/** Where the originals live in the workspace (beside the repository), when they do. */
export const SHARED_FIXTURES_DIR = path.resolve(REPO_ROOT, '../shared/fixtures/celery-5.2.6');

if (!existsSync(FIXTURES_DIR)) {
  throw new Error(
    `The captured Celery 5.2.6 messages are not at ${FIXTURES_DIR}; set CELERY_FIXTURES_DIR to their folder.`,
  );
}

export interface CeleryFixture {
  readonly name: string;
  readonly deliveryInfo: Readonly<Record<string, unknown>>;
  /** As in the file: snake_case AMQP property names. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly headerFieldTypes: Readonly<Record<string, unknown>>;
  readonly contentHeaderFrame: Buffer;
  readonly bodyRaw: string;
  readonly body: unknown;
}

export function asRecord(value: unknown, what = 'value'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${what} is not a string`);
  }
  return value;
}

/** Fixture names (file name without `.json`) starting with `prefix`, from the directory listing. */
export function fixtureNames(prefix: string): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Fixture names listed in index.json, to check that the directory listing misses nothing. */
export function indexedFixtureNames(prefix: string): string[] {
  const index = asRecord(
    JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'index.json'), 'utf8')) as unknown,
  );
  const entries = index['fixtures'];
  if (!Array.isArray(entries)) {
    throw new TypeError('index.json has no fixtures list');
  }
  return (entries as unknown[])
    .map((entry) => asString(asRecord(entry)['fixture'], 'fixture name'))
    .filter((name) => name.startsWith(prefix))
    .sort();
}

export function loadFixture(name: string): CeleryFixture {
  const raw = asRecord(
    JSON.parse(readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8')) as unknown,
    name,
  );
  const bodyRaw = asString(raw['body_raw'], 'body_raw');
  return {
    name,
    deliveryInfo: asRecord(raw['delivery_info'], 'delivery_info'),
    properties: asRecord(raw['properties'], 'properties'),
    headers: asRecord(raw['headers'], 'headers'),
    headerFieldTypes: asRecord(raw['header_field_types'], 'header_field_types'),
    contentHeaderFrame: Buffer.from(
      asString(raw['content_header_frame_base64'], 'content_header_frame_base64'),
      'base64',
    ),
    bodyRaw,
    body: raw['body'],
  };
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The delivery amqplib would hand a consumer for this fixture. */
export function toIncomingMessage(fixture: CeleryFixture): IncomingMessage {
  const properties = Object.fromEntries(
    Object.entries(fixture.properties).map(([key, value]) => [snakeToCamel(key), value]),
  ) as IncomingProperties;
  return {
    content: Buffer.from(fixture.bodyRaw, 'utf8'),
    properties: { ...properties, headers: fixture.headers },
    fields: {
      exchange: asString(fixture.deliveryInfo['exchange'], 'exchange'),
      routingKey: asString(fixture.deliveryInfo['routing_key'], 'routing_key'),
      redelivered: fixture.deliveryInfo['redelivered'] === true,
    },
  };
}

/**
 * The application-headers field table inside a fixture's content-header frame, as py-amqp wrote it:
 * class id (2), weight (2), body size (8), property flags (2), then content_type and content_encoding
 * as short strings, then the table (4-byte length + entries). Task and result messages set all three.
 */
export function headerTableBytes(fixture: CeleryFixture): Buffer {
  const frame = fixture.contentHeaderFrame;
  const flags = frame.readUInt16BE(12);
  const CONTENT_TYPE = 1 << 15;
  const CONTENT_ENCODING = 1 << 14;
  const HEADERS = 1 << 13;
  if (
    (flags & (CONTENT_TYPE | CONTENT_ENCODING | HEADERS)) !==
    (CONTENT_TYPE | CONTENT_ENCODING | HEADERS)
  ) {
    throw new Error(`${fixture.name}: content header frame lacks type, encoding or headers`);
  }
  let offset = 14;
  offset += 1 + frame.readUInt8(offset); // content_type
  offset += 1 + frame.readUInt8(offset); // content_encoding
  const length = frame.readUInt32BE(offset);
  return frame.subarray(offset, offset + 4 + length);
}

/** A field-table value's type tags: a letter, or `{ A: [...] }` / `{ F: {...} }` like header_field_types. */
export type FieldTags = string | { A: FieldTags[] } | { F: Record<string, FieldTags> };

/**
 * Reads the type tag of every entry of an encoded field table (4-byte length first). Written here rather
 * than taken from amqplib, because amqplib's decoder returns values only, not the tags we need to check.
 */
export function readFieldTags(table: Buffer): Record<string, FieldTags> {
  const end = 4 + table.readUInt32BE(0);
  let offset = 4;
  const tags: [string, FieldTags][] = [];

  function readValue(): FieldTags {
    const tag = String.fromCharCode(table.readUInt8(offset));
    offset += 1;
    switch (tag) {
      case 'S':
      case 'x':
        offset += 4 + table.readUInt32BE(offset);
        return tag;
      case 'I':
      case 'i':
      case 'f':
        offset += 4;
        return tag;
      case 'l':
      case 'L':
      case 'd':
      case 'T':
        offset += 8;
        return tag;
      case 's':
      case 'u':
        offset += 2;
        return tag;
      case 'b':
      case 'B':
      case 't':
        offset += 1;
        return tag;
      case 'D':
        offset += 5;
        return tag;
      case 'V':
        return tag;
      case 'A': {
        const arrayEnd = offset + 4 + table.readUInt32BE(offset);
        offset += 4;
        const items: FieldTags[] = [];
        while (offset < arrayEnd) {
          items.push(readValue());
        }
        return { A: items };
      }
      case 'F': {
        const length = table.readUInt32BE(offset);
        const nested = readFieldTags(table.subarray(offset, offset + 4 + length));
        offset += 4 + length;
        return { F: nested };
      }
      default:
        throw new Error(`unknown field tag ${tag}`);
    }
  }

  while (offset < end) {
    const keyLength = table.readUInt8(offset);
    const key = table.toString('utf8', offset + 1, offset + 1 + keyLength);
    offset += 1 + keyLength;
    tags.push([key, readValue()]);
  }
  return Object.fromEntries(tags);
}

export interface AmqpCodec {
  encodeTable(buffer: Buffer, value: Record<string, unknown>, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
}

/**
 * amqplib's own field-table codec (`lib/codec.js`). The package's `exports` map hides it, so it is loaded
 * by absolute path, next to the resolved package entry point.
 */
export function loadAmqplibCodec(): AmqpCodec {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('amqplib');
  const codec = asRecord(require(path.join(path.dirname(entry), 'lib', 'codec.js')) as unknown);
  const { encodeTable, decodeFields } = codec;
  if (typeof encodeTable !== 'function' || typeof decodeFields !== 'function') {
    throw new Error('amqplib codec does not export encodeTable/decodeFields');
  }
  return {
    encodeTable: encodeTable as AmqpCodec['encodeTable'],
    decodeFields: decodeFields as AmqpCodec['decodeFields'],
  };
}

/** Encodes a header table with amqplib exactly as it would on publish; returns length + entries. */
export function encodeWithAmqplib(codec: AmqpCodec, headers: Record<string, unknown>): Buffer {
  const buffer = Buffer.alloc(64 * 1024);
  const size = codec.encodeTable(buffer, headers, 0);
  return Buffer.from(buffer.subarray(0, size));
}
