import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';

/** A queue's counts as the broker reported them at the last check. */
export interface QueueCounts {
  readonly queue: string;
  /** Messages ready for delivery (not those delivered and unacked). */
  readonly messages: number;
  readonly consumers: number;
}

/**
 * Reads the depth and consumer count of queues with passive declares (`checkQueue`), on a channel of its
 * own, never more often than every `minIntervalMs`: a scrape in between gets the last counts. Off the
 * delivery path: nothing here runs unless something asks for the counts.
 */
export class QueueStats {
  private readonly logger = new Logger(QueueStats.name);
  private channel: Channel | undefined;
  private channelOf: ChannelModel | undefined;
  private counts: readonly QueueCounts[] = [];
  private checkedAt = -Infinity;
  private checking: Promise<readonly QueueCounts[]> | undefined;

  constructor(
    private readonly connection: () => ChannelModel | undefined,
    private readonly minIntervalMs: number,
  ) {}

  /** The counts of these queues, checked now unless the last check is recent; a queue that is gone is left out. */
  read(queues: readonly string[]): Promise<readonly QueueCounts[]> {
    if (performance.now() - this.checkedAt < this.minIntervalMs)
      return Promise.resolve(this.counts);
    this.checking ??= this.check(queues).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  private async check(queues: readonly string[]): Promise<readonly QueueCounts[]> {
    const counts: QueueCounts[] = [];
    for (const queue of queues) {
      try {
        const channel = await this.openChannel();
        if (!channel) break;
        const ok = await channel.checkQueue(queue);
        counts.push({ queue, messages: ok.messageCount, consumers: ok.consumerCount });
      } catch (err: unknown) {
        // A queue that does not exist closes the channel (404): the next one opens a new channel.
        this.channel = undefined;
        this.logger.debug(`Cannot read the counts of "${queue}": ${errorMessage(err)}`);
      }
    }
    this.counts = counts;
    this.checkedAt = performance.now();
    return counts;
  }

  private async openChannel(): Promise<Channel | undefined> {
    const connection = this.connection();
    if (connection === undefined) return undefined;
    if (this.channel && this.channelOf === connection) return this.channel;
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    this.channelOf = connection;
    return channel;
  }
}
