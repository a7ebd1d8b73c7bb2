/**
 * Checking the shape of a protocol 2 body, `[args, kwargs, embed]` (celery-protocol.md §4). A 5.2 worker
 * that meets another shape crashes and requeues the message forever (§14.1), so we refuse it with a reason.
 *
 * Embedded signatures are checked for what the canvas code relies on (a task name, list args, dict kwargs
 * and options). Their options are kept as received: code that acts on an option must check its type.
 */

import type { SignatureWire, TaskEmbedWire } from './task-message.js';

export type TaskBodyResult =
  | {
      readonly ok: true;
      readonly args: unknown[];
      readonly kwargs: Record<string, unknown>;
      readonly embed: TaskEmbedWire;
    }
  | { readonly ok: false; readonly detail: string };

/** Thrown inside this module only, and always caught by `decodeTaskBody`. */
class BadShape extends Error {}

/** A JSON object (parsed JSON has no other kinds of objects than arrays and plain objects). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalObject(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isJsonObject(value)) {
    throw new BadShape(`${where} must be an object`);
  }
  return value;
}

function readSignature(value: unknown, where: string): SignatureWire {
  if (!isJsonObject(value)) {
    throw new BadShape(`${where} must be a signature object`);
  }
  const { task, args, subtask_type: subtaskType, immutable } = value;
  if (typeof task !== 'string' || task === '') {
    throw new BadShape(`${where}.task must be a non-empty string`);
  }
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    throw new BadShape(`${where}.args must be an array`);
  }
  if (subtaskType !== undefined && subtaskType !== null && typeof subtaskType !== 'string') {
    throw new BadShape(`${where}.subtask_type must be a string or null`);
  }
  if (immutable !== undefined && immutable !== null && typeof immutable !== 'boolean') {
    throw new BadShape(`${where}.immutable must be a boolean`);
  }
  return {
    ...value, // keep keys newer Celery adds (e.g. chord_size) so they survive being forwarded
    task,
    args: (args ?? []) as unknown[],
    kwargs: optionalObject(value['kwargs'], `${where}.kwargs`),
    options: optionalObject(value['options'], `${where}.options`),
    subtask_type: subtaskType ?? null,
    immutable: immutable ?? false,
  };
}

function readSignatureList(value: unknown, where: string): SignatureWire[] | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!Array.isArray(value)) {
    throw new BadShape(`${where} must be a list of signatures or null`);
  }
  return (value as readonly unknown[]).map((item, i) => readSignature(item, `${where}[${i}]`));
}

/** `embed: null` (accepted by 5.2 workers for simple tasks) becomes the four-null object. */
function readEmbed(value: unknown): TaskEmbedWire {
  if (value === null) {
    return { callbacks: null, errbacks: null, chain: null, chord: null };
  }
  if (!isJsonObject(value)) {
    throw new BadShape('embed (third element) must be an object or null');
  }
  return {
    callbacks: readSignatureList(value['callbacks'], 'embed.callbacks'),
    errbacks: readSignatureList(value['errbacks'], 'embed.errbacks'),
    chain: readSignatureList(value['chain'], 'embed.chain'),
    chord:
      value['chord'] === undefined || value['chord'] === null
        ? null
        : readSignature(value['chord'], 'embed.chord'),
  };
}

/** Validates `[args, kwargs, embed]` and normalizes the embed. */
export function decodeTaskBody(body: unknown): TaskBodyResult {
  if (!Array.isArray(body) || body.length !== 3) {
    return { ok: false, detail: 'body must be a JSON array [args, kwargs, embed]' };
  }
  const [args, kwargs, embed] = body as readonly unknown[];
  if (!Array.isArray(args)) {
    return { ok: false, detail: 'args (first element) must be an array' };
  }
  if (!isJsonObject(kwargs)) {
    return { ok: false, detail: 'kwargs (second element) must be an object' };
  }
  try {
    return { ok: true, args: args as unknown[], kwargs, embed: readEmbed(embed) };
  } catch (err) {
    if (err instanceof BadShape) {
      return { ok: false, detail: err.message };
    }
    throw err;
  }
}
