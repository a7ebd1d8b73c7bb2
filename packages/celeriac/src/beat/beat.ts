import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import amqplib from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import { redactUrl } from '../errors/redact-url.js';
import type { ResolvedBeatEntry } from '../options/beat-options.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { tlsSocketOptions } from '../options/tls-options.js';
import { BeatScheduler } from './beat-scheduler.js';
import { beatNames, type BeatNames } from './beat-topology.js';
import { ElectionSession } from './election-session.js';
import { publishRecord, readTickLog } from './tick-log-reader.js';
import { TickSender } from './tick-sender.js';

/** How often the leader restates every entry's last tick in the stream (and shows it leads). */
export const CHECKPOINT_EVERY_MS = 10_000;
/** A new leader must read the tick stream back within this long, or it gives up and tries again. */
const READ_LOG_TIMEOUT_MS = 30_000;

/** What `Beat.status()` says. */
export interface BeatStatus {
  readonly nodeId: string;
  readonly connected: boolean;
  readonly leader: boolean;
  /** When this replica last became leader, or null. */
  readonly leaderSince: Date | null;
  readonly entries: readonly { name: string; last: Date; next: Date | null }[];
}

/** Events for logs, metrics and tests. */
export interface BeatListener {
  onLeading?(info: { nodeId: string; tookMs: number; ticksRead: number }): void;
  onSteppedDown?(reason: string): void;
}

/**
 * The beat of one process: a replica that takes part in the election and, while it leads, runs the
 * schedule. Start as many replicas as you like (in workers with `-B`, or `celeriac beat`); exactly one
 * sends at a time. See docs/beat.md for the design and its limits.
 */
export class Beat {
  private readonly logger = new Logger('Beat');
  private readonly names: BeatNames;
  readonly nodeId: string;
  private readonly origin: string;
  private session: ElectionSession | undefined;
  private scheduler: BeatScheduler | undefined;
  private promoting = false;
  private leaderSince: Date | null = null;
  private closed = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedTaskQueueOptions,
    private readonly entries: readonly ResolvedBeatEntry[],
    private readonly listener: BeatListener = {},
  ) {
    this.names = beatNames(options.beat.prefix);
    this.nodeId = `beat-${process.pid}@${hostname()}`;
    this.origin = `gen${process.pid}@${hostname()}`;
  }

  /** Connects and joins the election; resolves once the first connection is up, and keeps reconnecting. */
  async start(): Promise<void> {
    if (this.loop) return;
    let connected!: () => void;
    const firstConnect = new Promise<void>((resolve) => (connected = resolve));
    this.loop = this.run(connected);
    this.leaseTimer = setInterval(
      () => {
        this.checkLease();
      },
      Math.max(10, Math.floor(this.options.beat.pulseIntervalMs / 4)),
    );
    await firstConnect;
  }

  status(): BeatStatus {
    const snapshot = this.scheduler?.snapshot() ?? [];
    return {
      nodeId: this.nodeId,
      connected: this.session !== undefined && !this.session.isEnded,
      leader: this.scheduler !== undefined,
      leaderSince: this.leaderSince,
      entries: snapshot.map((e) => ({
        name: e.name,
        last: new Date(e.last),
        next: e.next === null ? null : new Date(e.next),
      })),
    };
  }

  /** Stops sending, leaves the election and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.leaseTimer);
    this.stepDown('the beat is closing');
    this.session?.end('the beat is closing');
    this.wake?.();
    await this.loop;
  }

  private async run(connected: () => void): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const url = this.options.urls[attempt++ % this.options.urls.length] ?? '';
      const ended = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        const connection = await amqplib.connect(
          withHeartbeat(url, this.options.heartbeatSeconds),
          {
            ...tlsSocketOptions(this.options.tls),
            timeout: this.options.connectTimeoutMs,
            noDelay: true,
            clientProperties: { connection_name: `celeriac-beat-${process.pid}` },
          },
        );
        if (this.isClosed()) {
          await connection.close().catch(() => undefined);
          break;
        }
        this.session = await ElectionSession.open(
          connection,
          this.names,
          this.options.beat,
          this.nodeId,
          {
            onPulse: () => {
              this.onPulse();
            },
            onEnded: (reason) => {
              this.stepDown(`connection lost (${reason})`);
              this.wake?.();
            },
            onBlocked: (blocked) => {
              if (blocked) this.stepDown('the broker blocks publishing (resource alarm)');
            },
          },
        );
        connected();
        // A pulse may have come while the session was being set up, before it was the current one.
        if (this.session.holdsLease(Date.now())) this.onPulse();
        await ended;
      } catch (err: unknown) {
        if (!this.isClosed()) {
          this.logger.warn(
            `Cannot join the beat election on ${redactUrl(url)}: ${errorMessage(err)}`,
          );
        }
      }
      if (!this.isClosed()) await sleep(this.options.reconnectDelayMs);
    }
    connected();
  }

  /** A method, so the compiler does not narrow `closed` across awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private onPulse(): void {
    if (this.scheduler !== undefined || this.promoting || this.closed) return;
    const session = this.session;
    // A pulse of a session still being set up is taken once it is the current one (see run()).
    if (session === undefined || session.isEnded) return;
    this.promoting = true;
    void this.promote(session).finally(() => {
      this.promoting = false;
    });
  }

  /** Reads the tick stream up to a fence of its own, then starts the schedule from the last recorded ticks. */
  private async promote(session: ElectionSession): Promise<void> {
    const started = Date.now();
    const timeoutMs = this.options.beat.leaseMs;
    try {
      const log = await readTickLog(
        session.connection,
        session.publishChannel,
        this.names.tickStream,
        this.nodeId,
        READ_LOG_TIMEOUT_MS,
      );
      if (!session.holdsLease(Date.now()) || this.isClosed()) return;
      const sender = new TickSender(
        this.options,
        session,
        this.names.tickStream,
        this.origin,
        timeoutMs,
      );
      const scheduler = new BeatScheduler(
        this.entries,
        log.last,
        {
          now: () => Date.now(),
          send: async (tick, now, nextDue) => {
            // The lease is checked at the last moment: a replica that stalled past it must not send.
            if (!session.holdsLease(Date.now())) throw new Error('the lease ran out');
            await sender.send(tick, now, nextDue);
          },
          checkpoint: (entries) =>
            publishRecord(
              session.publishChannel,
              this.names.tickStream,
              { kind: 'checkpoint', by: this.nodeId, at: Date.now(), entries },
              timeoutMs,
            ),
          setTimer: (callback, ms) => setTimeout(callback, ms),
          clearTimer: (handle) => {
            clearTimeout(handle as NodeJS.Timeout);
          },
          onFailure: (err) => {
            // Whether the last tick went out is unknown here; the next leader (maybe this replica again)
            // learns it from the stream. So: end the session, never retry.
            session.end(`a tick or checkpoint failed: ${errorMessage(err)}`);
          },
          onSkipped: (entry, skipped, more) => {
            this.logger.warn(
              `Entry "${entry.name}": ${skipped}${more ? '+' : ''} missed tick(s) not sent (missed: '${entry.missed}')`,
            );
          },
        },
        CHECKPOINT_EVERY_MS,
      );
      this.scheduler = scheduler;
      this.leaderSince = new Date();
      const tookMs = Date.now() - started;
      this.logger.log(
        `${this.nodeId} leads the beat (${this.entries.length} entries; read ${log.ticksRead} recorded ticks in ${tookMs} ms)`,
      );
      this.listener.onLeading?.({ nodeId: this.nodeId, tookMs, ticksRead: log.ticksRead });
      await scheduler.start();
    } catch (err: unknown) {
      this.logger.warn(`Could not take the lead: ${errorMessage(err)}`);
      session.end(`taking the lead failed: ${errorMessage(err)}`);
    }
  }

  /** A leader whose lease ran out (no pulse, blocked) steps down at once, even if its connection looks fine. */
  private checkLease(): void {
    if (this.scheduler === undefined) return;
    if (this.session === undefined || !this.session.holdsLease(Date.now())) {
      this.stepDown(`no pulse for ${this.options.beat.leaseMs} ms`);
    }
  }

  private stepDown(reason: string): void {
    const scheduler = this.scheduler;
    if (scheduler === undefined) return;
    scheduler.stop();
    this.scheduler = undefined;
    this.leaderSince = null;
    this.logger.warn(`${this.nodeId} stepped down: ${reason}`);
    this.listener.onSteppedDown?.(reason);
  }
}

/** amqplib reads the heartbeat from the URL only (a socket option is ignored; reliability.md §1). */
export function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}
