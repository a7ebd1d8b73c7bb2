import { TICK_HEADERS } from './tick-message.js';

/** The header that marks a beat's own record in the tick stream (as opposed to a copy of a tick). */
export const RECORD_HEADER = 'celeriac_beat_record';

/**
 * A record the beat writes to the tick stream besides the ticks themselves.
 * - `fence`: written by a replica that is about to lead (or by `--list`); reading the stream up to its own
 *   fence means having read everything written before it.
 * - `checkpoint`: the leader's whole state, written when it starts leading and every few seconds, so an
 *   entry's last tick survives the stream's size-based retention and `--list` can name the leader.
 */
export type BeatRecord =
  | { readonly kind: 'fence'; readonly by: string; readonly at: number; readonly nonce: string }
  | {
      readonly kind: 'checkpoint';
      readonly by: string;
      readonly at: number;
      /** Entry name → scheduled time (epoch ms) of its last tick, or when the beat started counting it. */
      readonly entries: Readonly<Record<string, number>>;
    };

/** A stream message as the log reads it. */
export interface LogMessage {
  readonly headers: Readonly<Record<string, unknown>>;
  readonly content: Buffer;
}

/**
 * What the tick stream says, folded in stream order: the last tick of each entry (the latest of the tick
 * copies and the checkpoints), and who led last. Pure; fed by the stream reader.
 */
export class TickLog {
  private readonly lastTicks = new Map<string, number>();
  private leader: { by: string; at: number } | null = null;
  /** Tick copies read, for logs and tests. */
  ticksRead = 0;

  /** The last tick (or start) of each entry that has one. */
  get last(): ReadonlyMap<string, number> {
    return this.lastTicks;
  }

  /** Who wrote the latest fence or checkpoint, and when. */
  get lastLeader(): { by: string; at: number } | null {
    return this.leader;
  }

  /** Folds one message in; returns the nonce of a fence (so the reader knows when it has caught up). */
  apply(message: LogMessage): string | null {
    const entry = message.headers[TICK_HEADERS.entry];
    const scheduledAt = message.headers[TICK_HEADERS.scheduledAt];
    if (typeof entry === 'string' && typeof scheduledAt === 'string') {
      const at = Date.parse(scheduledAt);
      if (!Number.isNaN(at)) {
        this.ticksRead++;
        this.advance(entry, at);
      }
      return null;
    }
    if (message.headers[RECORD_HEADER] === undefined) return null;
    const record = parseRecord(message.content);
    if (record === null) return null;
    if (record.kind === 'fence') return record.nonce;
    this.leader = { by: record.by, at: record.at };
    for (const [name, at] of Object.entries(record.entries)) this.advance(name, at);
    return null;
  }

  private advance(entry: string, at: number): void {
    const known = this.lastTicks.get(entry);
    if (known === undefined || at > known) this.lastTicks.set(entry, at);
  }
}

/** A record's body; null for anything malformed (a record the beat cannot read is ignored, not fatal). */
export function parseRecord(content: Buffer): BeatRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (typeof r['by'] !== 'string' || typeof r['at'] !== 'number') return null;
  if (r['kind'] === 'fence' && typeof r['nonce'] === 'string') {
    return { kind: 'fence', by: r['by'], at: r['at'], nonce: r['nonce'] };
  }
  if (r['kind'] === 'checkpoint' && typeof r['entries'] === 'object' && r['entries'] !== null) {
    // No prototype: an entry named "__proto__" must stay an entry.
    const entries = Object.create(null) as Record<string, number>;
    for (const [name, at] of Object.entries(r['entries'] as Record<string, unknown>)) {
      if (typeof at === 'number' && Number.isFinite(at)) entries[name] = at;
    }
    return { kind: 'checkpoint', by: r['by'], at: r['at'], entries };
  }
  return null;
}
