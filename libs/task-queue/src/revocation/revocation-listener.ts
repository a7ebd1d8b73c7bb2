import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from '../broker/broker-connection.js';
import { errorMessage, toError } from '../errors/error-text.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { TaskRevokedError } from '../errors/task-revoked.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { RevocationGate } from './revocation-gate.js';
import type { RevocationPublisher } from './revocation-publisher.js';
import { decodeRecord, type RevokeRecord } from './revocation-record.js';
import { assertRevocationStream, STREAM_ARGUMENTS, streamOffset } from './revocation-stream.js';
import { RevocationStreamError } from './revocation-stream.error.js';
import { RevokedIds } from './revoked-ids.js';
import { settleWithinTerminationGrace, terminationReason } from './termination.js';

/** Where the listener stands. `live` means it has read everything published before its last sync. */
export type RevocationListenerState = 'idle' | 'syncing' | 'live' | 'closed';

export interface RevocationListenerOptions {
  /** Ids kept at most (Celery's REVOKES_MAX). */
  readonly maxIds: number;
  /** How long `start()` may take to attach and read the retention window back. */
  readonly startTimeoutMs: number;
  /** How long an admission check waits while the listener re-reads the stream after a reconnect. */
  readonly resyncWaitMs: number;
  /** How long a terminated handler may take to settle before it is reported and its slot freed. */
  readonly terminateGraceMs: number;
  /** The clock; injected by tests. */
  readonly now?: () => number;
}

/** Unacked stream messages the broker may push; streams require a prefetch, acks only return credit. */
const STREAM_PREFETCH = 500;
/** First wait before reopening a channel the broker closed; doubles on each failure up to the max. */
const REOPEN_DELAY_MS = 250;
const MAX_REOPEN_DELAY_MS = 5_000;

/**
 * A worker's view of the revocation stream: reads the last retention window at start, then follows the
 * stream live, and answers the task runner's "is this id revoked?". Knowing when it has read everything
 * published before a given moment takes a marker: it appends a `sync` record and waits to read it back
 * (a stream has no "you are at the end" signal over AMQP). It does so at start, before the task consumers
 * attach, and again after every re-attach, while admission checks wait for it (up to `resyncWaitMs`).
 */
export class RevocationListener implements RevocationGate {
  private readonly logger = new Logger(RevocationListener.name);
  private readonly ids: RevokedIds;
  private readonly now: () => number;
  private state: RevocationListenerState = 'idle';
  private channel: Channel | undefined;
  private opening = false;
  private currentConnection: ChannelModel | undefined;
  private readonly closedConnections = new WeakSet<ChannelModel>();
  private stopConnectListener: (() => void) | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Offset of the last record read, so a re-attach resumes just after it; null before the first. */
  private lastOffset: number | null = null;
  /** Markers this process appended and waits to read back: resolve(true) when read, (false) if superseded. */
  private readonly markers = new Map<string, (read: boolean) => void>();
  private synced = deferred();
  private started = false;
  /** True once this re-sync's "starting without having re-read" warning was logged. */
  private warnedResync = false;
  /** Revocations applied since start, for the start log line. */
  private applied = 0;
  private terminateListener: (taskId: string, reason: TaskRevokedError) => void = () => undefined;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly publisher: RevocationPublisher,
    private readonly options: RevocationListenerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.ids = new RevokedIds(publisher.spec.retentionMs, options.maxIds, this.now);
  }

  get status(): RevocationListenerState {
    return this.state;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.ids.size;
  }

  /**
   * Called, as each terminating revocation arrives, with every id it names (whether or not it runs here),
   * and the reason to abort its `ctx.signal` with.
   */
  onTerminate(listener: (taskId: string, reason: TaskRevokedError) => void): void {
    this.terminateListener = listener;
  }

  /**
   * Attaches to the stream, reads the last retention window, and resolves once it has read everything
   * published before it started. Keeps following the stream (and re-attaches after reconnects) until
   * `close()`.
   *
   * @throws RevocationStreamError when the stream cannot be declared (another retention, not a stream)
   * @throws Error when the broker is unreachable, or the window cannot be read within `startTimeoutMs`
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') {
      throw new IllegalStateError(`Cannot start a revocation listener that is ${this.state}`);
    }
    this.state = 'syncing';
    const spec = this.publisher.spec;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new RevocationStreamError(
            spec.name,
            `Could not read the revocation stream "${spec.name}" back within ${this.options.startTimeoutMs} ms; ` +
              'the worker does not start consuming tasks before it knows which ones were revoked',
          ),
        );
      }, this.options.startTimeoutMs);
    });
    try {
      await Promise.race([this.attachFirst(), timeout]);
    } catch (err: unknown) {
      await this.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.started = true;
    this.logger.log(
      `Following revocations on "${spec.name}" (window ${String(spec.retentionMs / 1000)} s, ` +
        `${this.applied} read back, ${this.ids.size} id(s) revoked)`,
    );
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopConnectListener?.();
    clearTimeout(this.reopenTimer);
    this.supersedeMarkers();
    this.synced.resolve();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  async isRevoked(taskId: string): Promise<boolean> {
    if (this.state === 'syncing' && this.started) await this.waitForResync();
    return this.ids.has(taskId);
  }

  wasTerminated(taskId: string): boolean {
    return this.ids.terminated(taskId);
  }

  whileRunning(
    message: TaskMessage,
    signal: AbortSignal,
    running: Promise<unknown>,
  ): Promise<unknown> {
    const graceMs = this.options.terminateGraceMs;
    return settleWithinTerminationGrace(running, signal, graceMs, () => {
      this.logger.warn(
        `Task ${message.task}[${message.id}] was terminated and did not stop within ${graceMs} ms: ` +
          'reported revoked and its slot freed; the handler ignored its signal and may still be running',
      );
    });
  }

  /** Connects, attaches and syncs; rejects with the first attach's error. */
  private async attachFirst(): Promise<void> {
    await this.connection.waitForConnect(this.options.startTimeoutMs);
    let first: ((err?: unknown) => void) | undefined;
    const attached = new Promise<void>((resolve, reject) => {
      first = (err) => {
        if (err === undefined) resolve();
        else reject(toError(err));
      };
    });
    this.stopConnectListener = this.connection.onConnect((connection) => {
      this.currentConnection = connection;
      this.failures = 0;
      connection.once('close', () => {
        this.closedConnections.add(connection);
      });
      const report = first;
      first = undefined;
      void this.open(connection).then(
        () => report?.(),
        (err: unknown) => {
          if (report) report(err);
          else this.retryLater(connection, err);
        },
      );
    });
    await attached;
    await this.synced.promise;
  }

  /** Opens a channel on `connection`, declares the stream, consumes, and syncs. */
  private async open(connection: ChannelModel): Promise<void> {
    if (this.state === 'closed' || this.channel || this.opening) return;
    this.opening = true;
    let channel: Channel;
    try {
      channel = await connection.createChannel();
      if (this.isClosed()) {
        await channel.close().catch(() => undefined);
        return;
      }
      this.channel = channel;
      channel.on('error', (err: Error) => {
        this.logger.error(`Revocation stream channel error: ${err.message}`);
      });
      channel.on('close', () => {
        this.onChannelLost(connection, channel);
      });
      await assertRevocationStream(channel, this.publisher.spec);
      await channel.prefetch(STREAM_PREFETCH);
      const since = this.now() - this.publisher.spec.retentionMs;
      await channel.consume(
        this.publisher.spec.name,
        (message) => {
          if (message) this.receive(channel, message);
          else this.onCancelled(channel);
        },
        {
          noAck: false,
          arguments: { [STREAM_ARGUMENTS.offset]: streamOffset(this.lastOffset, since) },
        },
      );
    } finally {
      this.opening = false;
    }
    await this.sync(channel);
  }

  /**
   * Appends a marker and waits to read it back: then every record published before is read. Throws if the
   * marker cannot be published; returns quietly if the channel was replaced meanwhile (its successor syncs).
   */
  private async sync(channel: Channel): Promise<void> {
    const marker = randomUUID();
    const read = new Promise<boolean>((resolve) => {
      this.markers.set(marker, resolve);
    });
    try {
      await this.publisher.publish(
        { kind: 'sync', marker, at: this.now() },
        'a revocation sync marker',
      );
    } catch (err: unknown) {
      this.markers.delete(marker);
      throw err;
    }
    if (!(await read) || this.channel !== channel || this.isClosed()) return;
    if (this.state === 'syncing') {
      if (this.started) this.logger.log('Caught up with the revocation stream again');
      this.state = 'live';
      this.synced.resolve();
    }
  }

  private receive(channel: Channel, message: ConsumeMessage): void {
    const offset = message.properties.headers?.[STREAM_ARGUMENTS.offset] as unknown;
    if (typeof offset === 'number') this.lastOffset = offset;
    try {
      channel.ack(message);
    } catch {
      // The channel closed under us; the next attach resumes after the last offset read.
    }
    const decoded = decodeRecord(message.content);
    if (!decoded.ok) {
      this.logger.warn(
        `Ignoring a record of the revocation stream at offset ${String(offset)}: ${decoded.detail}`,
      );
      return;
    }
    const record = decoded.record;
    if (record.kind === 'sync') {
      const resolve = this.markers.get(record.marker);
      this.markers.delete(record.marker);
      resolve?.(true);
      return;
    }
    this.apply(record);
  }

  private apply(record: RevokeRecord): void {
    const added = this.ids.add(record.ids, record.at, record.terminate);
    if (added.length === 0) return; // older than the retention window
    this.applied++;
    if (this.started) {
      this.logger.log(
        `Revoked ${describeIds(added)}${record.terminate ? ' (terminate)' : ''} by ${record.origin || '?'}` +
          (record.reason ? `: ${record.reason}` : ''),
      );
    }
    if (!record.terminate) return;
    for (const id of added) this.terminateListener(id, terminationReason(id));
  }

  /** The broker cancelled the consumer: the stream was deleted. Read the new one from the window start. */
  private onCancelled(channel: Channel): void {
    if (this.channel !== channel || this.isClosed()) return;
    this.logger.error(
      `The broker cancelled the revocation stream consumer (was "${this.publisher.spec.name}" deleted?); ` +
        'declaring it again',
    );
    this.lastOffset = null;
    void channel.close().catch(() => undefined);
  }

  private onChannelLost(connection: ChannelModel, channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.supersedeMarkers();
    if (this.isClosed()) return;
    if (this.state === 'live') {
      this.state = 'syncing';
      this.synced = deferred();
      this.warnedResync = false;
    }
    // After a reconnect the connect listener opens a new channel; a channel closed on a live connection
    // (a channel error, the stream deleted) is reopened here.
    if (!this.closedConnections.has(connection) && this.currentConnection === connection) {
      this.retryLater(connection, new Error('the channel closed'));
    }
  }

  private retryLater(connection: ChannelModel, err: unknown): void {
    if (this.isClosed() || this.reopenTimer) return;
    const delay = Math.min(REOPEN_DELAY_MS * 2 ** this.failures, MAX_REOPEN_DELAY_MS);
    this.failures++;
    this.logger.warn(
      `Revocation stream not followed (${errorMessage(err)}); trying again in ${delay} ms`,
    );
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.isClosed() || this.currentConnection !== connection) return;
      if (this.closedConnections.has(connection)) return;
      if (this.channel) {
        // Attached, but the sync marker could not be published: try the sync alone.
        const channel = this.channel;
        void this.sync(channel).catch((e: unknown) => {
          this.retryLater(connection, e);
        });
        return;
      }
      void this.open(connection).catch((e: unknown) => {
        this.retryLater(connection, e);
      });
    }, delay);
  }

  private async waitForResync(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      this.synced.promise.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(true);
        }, this.options.resyncWaitMs);
      }),
    ]);
    clearTimeout(timer);
    if (gaveUp && !this.warnedResync) {
      this.warnedResync = true;
      this.logger.warn(
        `Starting a task without having re-read the revocation stream for ${this.options.resyncWaitMs} ms: ` +
          'a revocation published while the worker was disconnected may be missed',
      );
    }
  }

  private supersedeMarkers(): void {
    for (const resolve of this.markers.values()) resolve(false);
    this.markers.clear();
  }

  /** A method, so the compiler does not narrow `state` across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }
}

function describeIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(', ');
  return ids.length > 3 ? `${shown} and ${ids.length - 3} more` : shown;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
