import {
  decodeChordEntry,
  encodeResultMeta,
  type ChordEntry,
  type ResultMetaInput,
} from '../message/result-meta.js';
import { chordKeys, taskKey } from './redis-keys.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Writes a result as Celery's `_store_result` does, in one atomic step: unless a SUCCESS is already stored
 * (a redelivered task never overwrites its own success), SET with the expiry, then PUBLISH the value on the
 * key's channel, which is what Celery's waiters and our `get()` listen to.
 */
const STORE_RESULT = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, meta = pcall(cjson.decode, current)
  if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then return 0 end
end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`;

/**
 * Counts one chord header member, as Celery's `on_chord_part_return` does (ZADD to `.j` scored by
 * group_index, then the count, `.t` and `.s`), except that a member id already in `.d` is not added again:
 * a member redelivered after its worker died is counted once. Returns {ready count, .t, .s}.
 */
const JOIN_CHORD_PART = `
if redis.call('SADD', KEYS[4], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
end
local ready = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local added = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
if tonumber(ARGV[4]) > 0 then
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return {ready, added or '0', size or ''}
`;

/**
 * The two scripts above, as ioredis's `defineCommand` adds them to the client. Typed here rather than by
 * augmenting ioredis's module, so that the package's own types never pull in ioredis's.
 */
interface StoreCommands {
  celeriacStoreResult(key: string, value: string, expires: number): Promise<number>;
  celeriacJoinChordPart(
    joined: string,
    added: string,
    size: string,
    done: string,
    taskId: string,
    score: string,
    entry: string,
    expires: number,
  ): Promise<[number, string, string]>;
}

/** Where a chord stands after one member was counted. */
export type ChordProgress =
  | { readonly state: 'unknown' }
  | { readonly state: 'waiting'; readonly ready: number; readonly total: number }
  | { readonly state: 'complete'; readonly entries: readonly ChordEntry[] };

/** The worker's side of the Redis backend: store results, count chord members. */
export class RedisResultStore {
  private readonly commands: StoreCommands;

  constructor(
    private readonly redis: RedisConnection,
    /** Seconds; 0 = keep. */
    private readonly expires: number,
  ) {
    redis.client.defineCommand('celeriacStoreResult', { numberOfKeys: 1, lua: STORE_RESULT });
    redis.client.defineCommand('celeriacJoinChordPart', { numberOfKeys: 4, lua: JOIN_CHORD_PART });
    this.commands = redis.client as unknown as StoreCommands;
  }

  /**
   * Stores and publishes a result. Resolves once Redis has it; rejects when Redis stays unreachable
   * (after ioredis's retries), so the worker requeues the task instead of acking a result it lost.
   * @throws MessageEncodeError when the result cannot be encoded as JSON
   */
  save(input: ResultMetaInput): Promise<void> {
    // Encoded first and synchronously, so an unencodable value throws here, not from Redis.
    const value = encodeResultMeta(input);
    return this.commands
      .celeriacStoreResult(taskKey(input.taskId), value, this.expires)
      .then(() => undefined);
  }

  /**
   * Counts a finished header member (`entry` from `encodeChordEntry`). `complete` comes back to the call
   * that saw the last member in, with every member's entry in header order; the caller then starts the
   * body and calls `clearChord`.
   */
  async joinChordPart(
    groupId: string,
    taskId: string,
    groupIndex: number | null,
    entry: string,
  ): Promise<ChordProgress> {
    const keys = chordKeys(groupId);
    const [ready, added, size] = await this.commands.celeriacJoinChordPart(
      keys.joined,
      keys.added,
      keys.size,
      keys.done,
      taskId,
      groupIndex === null ? '+inf' : String(groupIndex),
      entry,
      this.expires,
    );
    // No size: not a chord sent through this Redis (or already finished and cleared): nothing to join.
    if (size === '') return { state: 'unknown' };
    const total = Number(size) + Number(added);
    if (ready < total) return { state: 'waiting', ready, total };
    const raw = await this.redis.client.zrange(keys.joined, 0, -1);
    const entries: ChordEntry[] = [];
    for (const value of raw) {
      const decoded = decodeChordEntry(value);
      if (decoded) entries.push(decoded);
    }
    return { state: 'complete', entries };
  }

  /** Celery's `set_chord_size`: the header size in `.s`, with the result expiry. */
  async setChordSize(groupId: string, size: number): Promise<void> {
    const key = chordKeys(groupId).size;
    if (this.expires > 0) await this.redis.client.set(key, String(size), 'EX', this.expires);
    else await this.redis.client.set(key, String(size));
  }

  /** Deletes a finished chord's join keys, after its body was published. */
  async clearChord(groupId: string): Promise<void> {
    const keys = chordKeys(groupId);
    await this.redis.client.del(keys.joined, keys.added, keys.size, keys.done);
  }
}
