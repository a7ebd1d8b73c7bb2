import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import type { BrokerConnection } from '../transport/broker-connection.js';
import type { Publisher } from '../transport/publisher.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { TaskRevokedError } from '../errors/task-revoked.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskAbort } from '../task/task-abort.js';
import { PidboxListener, type PidboxRevoke } from './pidbox-listener.js';
import type { RevocationGate } from './revocation-gate.js';
import type { RevocationPublisher } from './revocation-publisher.js';
import { decodeRecord, type RevokeRecord } from './revocation-record.js';
import { RevocationStreamError } from '../errors/revocation-stream.error.js';
import { ResyncBarrier } from './resync-barrier.js';
import { RevokedIds } from './revoked-ids.js';
import { StreamReader } from './stream-reader.js';
import { SyncMarkers } from './sync-markers.js';
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
  /** Also honour Celery's `app.control.revoke` sent to this node name (in memory, as Celery does). */
  readonly celeryRemoteControl?: { readonly nodeName: string; readonly publisher: Publisher };
  /** The clock; injected by tests. */
  readonly now?: () => number;
}

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
  private readonly reader: StreamReader;
  /** Markers this process appended and waits to read back. */
  private readonly markers = new SyncMarkers();
  /** Admission checks wait here while the listener re-reads the stream after a reconnect. */
  private readonly resync: ResyncBarrier;
  private started = false;
  /** Revocations applied since start, for the start log line. */
  private applied = 0;
  private terminateListener: (taskId: string, reason: TaskRevokedError) => void = () => undefined;
  private readonly pidbox: PidboxListener | undefined;

  constructor(
    connection: BrokerConnection,
    private readonly publisher: RevocationPublisher,
    private readonly options: RevocationListenerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.resync = new ResyncBarrier(options.resyncWaitMs);
    this.ids = new RevokedIds(publisher.spec.retentionMs, options.maxIds, this.now);
    this.reader = new StreamReader(
      connection,
      publisher.spec,
      () => this.now() - publisher.spec.retentionMs,
      {
        onMessage: (content, offset) => {
          this.receive(content, offset);
        },
        onAttached: (channel) => this.sync(channel),
        onDetached: () => {
          this.detached();
        },
      },
    );
    const remote = options.celeryRemoteControl;
    this.pidbox =
      remote &&
      new PidboxListener(connection, remote.publisher, remote.nodeName, (revoke) => {
        this.revokeFromCelery(revoke);
      });
  }

  get status(): RevocationListenerState {
    return this.state;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.ids.size;
  }

  /** The revoked ids remembered now, oldest first (Celery's `inspect revoked`). */
  revokedIds(): string[] {
    return this.ids.list();
  }

  /**
   * This worker's end of Celery's remote control, where the worker adds the commands beyond `ping` and
   * `revoke`; undefined when the listener was built without `celeryRemoteControl`.
   */
  get remoteControl(): PidboxListener | undefined {
    return this.pidbox;
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
      // The reader resolves once attached and synced (see onAttached); a re-attach re-syncs.
      await Promise.race([
        this.reader.start(this.options.startTimeoutMs).then(() => this.resync.reached),
        timeout,
      ]);
    } catch (err: unknown) {
      await this.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.started = true;
    this.pidbox?.start();
    this.logger.log(
      `Following revocations on "${spec.name}" (window ${String(spec.retentionMs / 1000)} s, ` +
        `${this.applied} read back, ${this.ids.size} id(s) revoked)`,
    );
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.pidbox?.close();
    this.markers.supersedeAll();
    this.resync.open();
    await this.reader.close();
  }

  isRevoked(taskId: string): boolean | Promise<boolean> {
    // Synchronous unless it has to wait: see RevocationGate.isRevoked.
    if (this.state === 'syncing' && this.started) {
      return this.waitForResync().then(() => this.ids.has(taskId));
    }
    return this.ids.has(taskId);
  }

  wasTerminated(taskId: string): boolean {
    return this.ids.terminated(taskId);
  }

  whileRunning(
    message: TaskMessage,
    abort: TaskAbort,
    running: Promise<unknown>,
  ): Promise<unknown> {
    const graceMs = this.options.terminateGraceMs;
    return settleWithinTerminationGrace(running, abort, graceMs, () => {
      this.logger.warn(
        `Task ${message.task}[${message.id}] was terminated and did not stop within ${graceMs} ms: ` +
          'reported revoked and its slot freed; the handler ignored its signal and may still be running',
      );
    });
  }

  /**
   * Appends a marker and waits to read it back: then every record published before is read. Throws if the
   * marker cannot be published; returns quietly if the channel was replaced meanwhile (its successor syncs).
   */
  private async sync(channel: Channel): Promise<void> {
    const marker = randomUUID();
    const read = this.markers.expect(marker);
    try {
      await this.publisher.publish(
        { kind: 'sync', marker, at: this.now() },
        'a revocation sync marker',
      );
    } catch (err: unknown) {
      this.markers.forget(marker);
      throw err;
    }
    if (!(await read) || !this.reader.isCurrent(channel) || this.isClosed()) return;
    if (this.state === 'syncing') {
      if (this.started) this.logger.log('Caught up with the revocation stream again');
      this.state = 'live';
      this.resync.open();
    }
  }

  private receive(content: Buffer, offset: number | null): void {
    const decoded = decodeRecord(content);
    if (!decoded.ok) {
      this.logger.warn(
        `Ignoring a record of the revocation stream at offset ${String(offset)}: ${decoded.detail}`,
      );
      return;
    }
    const record = decoded.record;
    if (record.kind === 'sync') {
      this.markers.read(record.marker);
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

  /** Celery's remote-control revoke: this worker only, in memory, from now on (not durable). */
  private revokeFromCelery(revoke: PidboxRevoke): void {
    // A Celeriac client's broadcast copy of a record this worker reads from the stream (with its reason).
    if (this.isClosed() || revoke.alsoOnStream === this.publisher.spec.name) return;
    this.apply({
      kind: 'revoke',
      ids: revoke.ids,
      terminate: revoke.terminate,
      reason: null,
      at: this.now(),
      origin: 'Celery remote control',
    });
  }

  /** The reader lost its channel: admission checks wait for the re-sync on the next attach. */
  private detached(): void {
    this.markers.supersedeAll();
    if (this.state !== 'live') return;
    this.state = 'syncing';
    this.resync.close();
  }

  private async waitForResync(): Promise<void> {
    if (await this.resync.wait()) {
      this.logger.warn(
        `Starting a task without having re-read the revocation stream for ${this.options.resyncWaitMs} ms: ` +
          'a revocation published while the worker was disconnected may be missed',
      );
    }
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
