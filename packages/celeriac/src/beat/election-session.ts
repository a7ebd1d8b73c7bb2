import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { assertBeatTopology, type BeatNames } from './beat-topology.js';

/** What a session tells the beat. */
export interface SessionEvents {
  /** A pulse was delivered: the broker has made this session's consumer the active one. */
  onPulse(): void;
  /** The session is over (its connection or a channel closed, or it was ended); called once. */
  onEnded(reason: string): void;
  /** The broker blocked or unblocked publishing (a resource alarm); a blocked session holds no lease. */
  onBlocked(blocked: boolean): void;
}

export interface SessionTiming {
  readonly pulseIntervalMs: number;
  readonly leaseMs: number;
}

/**
 * One connection's part in the election. It consumes the leader queue (single active consumer) on one
 * channel, and publishes pulses, fences, checkpoints and ticks on a confirm channel of the same connection.
 * The broker hands the active-consumer role to another replica only once this connection's consumer is
 * gone, and a tick can only be routed through a live connection, so what this session publishes while it
 * holds the lease cannot overlap another leader's ticks. Any channel or connection loss ends the session
 * whole (the beat then reconnects and must win a pulse again): there is no half-alive state.
 */
export class ElectionSession {
  private lastPulseAt = -Infinity;
  private blocked = false;
  private ended = false;
  private pulseTimer: NodeJS.Timeout | undefined;
  /** Message ids the broker returned as unroutable, read by the tick sender after each confirm. */
  readonly returned = new Set<string>();

  private constructor(
    readonly connection: ChannelModel,
    readonly publishChannel: ConfirmChannel,
    private readonly names: BeatNames,
    private readonly timing: SessionTiming,
    private readonly nodeId: string,
    private readonly events: SessionEvents,
  ) {}

  /** Declares the topology, consumes the leader queue and starts pulsing. */
  static async open(
    connection: ChannelModel,
    names: BeatNames,
    timing: SessionTiming,
    nodeId: string,
    events: SessionEvents,
  ): Promise<ElectionSession> {
    const publishChannel = await connection.createConfirmChannel();
    const session = new ElectionSession(connection, publishChannel, names, timing, nodeId, events);
    session.watch(connection, 'connection');
    session.watch(publishChannel, 'publishing channel');
    connection.on('blocked', () => {
      session.setBlocked(true);
    });
    connection.on('unblocked', () => {
      session.setBlocked(false);
    });
    publishChannel.on(
      'return',
      (message: { properties: { messageId?: string; correlationId?: string } }) => {
        const id = message.properties.correlationId ?? message.properties.messageId;
        if (id !== undefined) session.returned.add(id);
      },
    );
    try {
      await assertBeatTopology(publishChannel, names);
      const consumer = await connection.createChannel();
      session.watch(consumer, 'leader-queue channel');
      await session.consume(consumer);
    } catch (err: unknown) {
      session.end(`setting up failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    session.startPulses();
    return session;
  }

  /** True while this session may send ticks: alive, not blocked, and a pulse within the lease. */
  holdsLease(now: number): boolean {
    return !this.ended && !this.blocked && now - this.lastPulseAt <= this.timing.leaseMs;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Ends the session by closing its connection (idempotent). */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.pulseTimer);
    this.events.onEnded(reason);
    this.connection.close().catch(() => undefined);
  }

  private async consume(channel: Channel): Promise<void> {
    await channel.prefetch(10);
    await channel.consume(
      this.names.leaderQueue,
      (message) => {
        if (message === null) {
          this.end('the broker cancelled the leader-queue consumer (was the queue deleted?)');
          return;
        }
        channel.ack(message);
        if (this.ended) return;
        this.lastPulseAt = Date.now();
        this.events.onPulse();
      },
      { noAck: false },
    );
  }

  private startPulses(): void {
    const pulse = (): void => {
      if (this.ended || this.blocked) return;
      try {
        // Not awaited: a lost pulse is harmless, the next one follows. Each replica pulses, so the active
        // consumer hears from every replica still connected, itself included.
        this.publishChannel.publish(
          '',
          this.names.leaderQueue,
          Buffer.from(this.nodeId, 'utf8'),
          { persistent: false },
          () => undefined,
        );
      } catch (err: unknown) {
        this.end(
          `a pulse could not be written: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    };
    pulse();
    this.pulseTimer = setInterval(pulse, this.timing.pulseIntervalMs);
  }

  private setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    this.events.onBlocked(blocked);
  }

  private watch(emitter: ChannelModel | Channel, what: string): void {
    emitter.on('error', () => undefined);
    emitter.on('close', (err?: unknown) => {
      const why = err instanceof Error ? `: ${err.message}` : '';
      this.end(`the ${what} closed${why}`);
    });
  }
}
