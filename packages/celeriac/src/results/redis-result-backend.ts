import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ResultTimeoutError } from '../errors/result-timeout.error.js';
import { ResultUnavailableError } from '../errors/result-unavailable.error.js';
import { errorMessage } from '../errors/error-text.js';
import { READY_STATES, type ResultMessage } from '../message/result-message.js';
import {
  decodeGroupMeta,
  decodeResultMeta,
  encodeGroupMeta,
  TASK_META_PREFIX,
} from '../message/result-meta.js';
import { AsyncResult } from './async-result.js';
import type { ResultBackend } from './result-backend.js';
import type { ResultSource } from './result-source.js';
import { chordKeys, groupKey, taskKey } from './redis-keys.js';
import type { RedisConnection } from './redis-connection.js';

/** One `get()` waiting on a task. */
interface Wait {
  readonly resolve: (message: ResultMessage) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Celery's Redis result backend, client side. Nothing is kept per send: a handle reads Redis only when
 * asked. `get()` subscribes to the task's channel (`celery-task-meta-<id>`, where workers PUBLISH each
 * result), then reads the key, so a result stored before the subscription is not missed; after a reconnect
 * every awaited key is read again, for results published while the subscriber was away.
 */
export class RedisResultBackend implements ResultBackend, ResultSource {
  readonly kind = 'redis';
  /** Celery clients send a `reply_to` even with a Redis backend; workers storing in Redis ignore it. */
  readonly replyQueue = randomUUID();
  private readonly logger = new Logger(RedisResultBackend.name);
  private readonly waits = new Map<string, Set<Wait>>();
  private closed = false;

  constructor(
    private readonly commands: RedisConnection,
    private readonly subscriber: RedisConnection,
    /** Seconds; 0 = keep. */
    private readonly expires: number,
    private readonly defaultTimeoutMs: number,
  ) {
    subscriber.client.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const key = channel.toString('utf8');
      if (key.startsWith(TASK_META_PREFIX))
        this.onStored(key.slice(TASK_META_PREFIX.length), message);
    });
    // ioredis subscribes again by itself after a reconnect; what was published meanwhile is read here.
    subscriber.client.on('ready', () => {
      for (const taskId of this.waits.keys()) void this.check(taskId);
    });
  }

  /** Nothing to declare: connections open on first use. */
  /**
   * Starts connecting and resolves at once: a worker stores the result, so a send needs no Redis, and a
   * handle reads it only at `get()`, which reports an outage itself (`ResultUnavailableError`).
   */
  start(): Promise<void> {
    this.commands.connect().catch(() => undefined);
    return Promise.resolve();
  }

  track<R>(taskId: string): AsyncResult<R> {
    return new AsyncResult<R>(taskId, false, this.defaultTimeoutMs, this);
  }

  untrack(): void {
    // Handles hold nothing in the backend.
  }

  get pendingCount(): number {
    return this.waits.size;
  }

  async peek(taskId: string): Promise<ResultMessage | null> {
    await this.commands.connect();
    const stored = await this.commands.client.getBuffer(taskKey(taskId));
    if (stored === null) return null;
    const decoded = decodeResultMeta(stored);
    if (!decoded.ok) {
      this.logger.warn(`Ignoring a malformed result for task ${taskId}: ${decoded.detail}`);
      return null;
    }
    return decoded.result;
  }

  waitFor(taskId: string, timeoutMs: number): Promise<ResultMessage> {
    if (this.closed) return Promise.reject(closedError(taskId));
    return new Promise<ResultMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const wait: Wait = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.remove(taskId, wait);
          // The clearer error first: a timeout is expected to mean "no worker answered".
          reject(
            this.commands.ready && this.subscriber.ready
              ? new ResultTimeoutError(taskId, timeoutMs, 'PENDING')
              : new ResultUnavailableError(
                  taskId,
                  'unreachable',
                  `${this.commands.ready ? this.subscriber.describeOutage() : this.commands.describeOutage()}; gave up after ${timeoutMs} ms`,
                ),
          );
        }, timeoutMs);
      }
      const first = !this.waits.has(taskId);
      const set = this.waits.get(taskId) ?? new Set<Wait>();
      set.add(wait);
      this.waits.set(taskId, set);
      if (first) void this.subscribeAndCheck(taskId);
    });
  }

  async forget(taskId: string): Promise<void> {
    await this.commands.connect();
    await this.commands.client.del(taskKey(taskId));
  }

  async saveGroup(groupId: string, memberIds: readonly string[]): Promise<void> {
    await this.commands.connect();
    const value = encodeGroupMeta(groupId, memberIds);
    if (this.expires > 0)
      await this.commands.client.set(groupKey(groupId), value, 'EX', this.expires);
    else await this.commands.client.set(groupKey(groupId), value);
  }

  async restoreGroup(groupId: string): Promise<string[] | null> {
    await this.commands.connect();
    const stored = await this.commands.client.get(groupKey(groupId));
    return stored === null ? null : decodeGroupMeta(stored);
  }

  async forgetGroup(groupId: string): Promise<void> {
    await this.commands.connect();
    await this.commands.client.del(groupKey(groupId));
  }

  /** Celery's `set_chord_size`: `.s` with the result expiry, before the first member is sent. */
  async setChordSize(groupId: string, size: number): Promise<void> {
    await this.commands.connect();
    const key = chordKeys(groupId).size;
    if (this.expires > 0) await this.commands.client.set(key, String(size), 'EX', this.expires);
    else await this.commands.client.set(key, String(size));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [taskId, set] of this.waits) {
      for (const wait of set) wait.reject(closedError(taskId));
    }
    this.waits.clear();
    await Promise.all([this.subscriber.close(), this.commands.close()]);
  }

  private async subscribeAndCheck(taskId: string): Promise<void> {
    try {
      await this.subscriber.connect();
      await this.subscriber.client.subscribe(taskKey(taskId));
      await this.check(taskId);
    } catch (err: unknown) {
      this.fail(taskId, err);
    }
  }

  /** Reads the key once: a result stored before we subscribed, or while the subscriber reconnected. */
  private async check(taskId: string): Promise<void> {
    try {
      const stored = await this.peek(taskId);
      if (stored) this.deliver(taskId, stored);
    } catch (err: unknown) {
      this.fail(taskId, err);
    }
  }

  private onStored(taskId: string, value: Buffer): void {
    if (!this.waits.has(taskId)) return;
    const decoded = decodeResultMeta(value);
    if (decoded.ok) this.deliver(taskId, decoded.result);
  }

  private deliver(taskId: string, message: ResultMessage): void {
    if (!READY_STATES.has(message.status)) return;
    const set = this.waits.get(taskId);
    if (!set) return;
    this.waits.delete(taskId);
    this.unsubscribe(taskId);
    for (const wait of set) wait.resolve(message);
  }

  /** Redis did not answer within ioredis's retries: every wait on this task ends with why. */
  private fail(taskId: string, err: unknown): void {
    const set = this.waits.get(taskId);
    if (!set || this.closed) return;
    this.waits.delete(taskId);
    this.unsubscribe(taskId);
    const error = new ResultUnavailableError(
      taskId,
      'unreachable',
      `${this.commands.describeOutage()}: ${errorMessage(err)}`,
      { cause: err },
    );
    for (const wait of set) wait.reject(error);
  }

  private remove(taskId: string, wait: Wait): void {
    const set = this.waits.get(taskId);
    if (!set) return;
    set.delete(wait);
    if (set.size > 0) return;
    this.waits.delete(taskId);
    this.unsubscribe(taskId);
  }

  private unsubscribe(taskId: string): void {
    if (this.closed) return;
    this.subscriber.client.unsubscribe(taskKey(taskId)).catch(() => undefined);
  }
}

function closedError(taskId: string): ResultUnavailableError {
  return new ResultUnavailableError(taskId, 'closed', 'the client closed while waiting');
}
