import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { sentAtOf } from './protocol.js';
import type { Recorder } from './recorder.js';
import type { ConsumerSide, ProducerSide } from './sides.js';

/**
 * The baseline: plain amqplib with the same guarantees Celeriac gives. Publishes are persistent,
 * mandatory and confirmed (ConfirmChannel), to the same topology Celeriac declares for a queue (a direct
 * exchange named after the queue, bound with the queue name); deliveries are acked one by one, after the
 * handler, with a per-consumer prefetch. The body has Celery's shape (`[args, kwargs, embed]`) so the
 * broker moves about as many bytes, but there are no protocol headers to encode or decode.
 */
const PUBLISH_OPTIONS = {
  persistent: true,
  mandatory: true,
  contentType: 'application/json',
  contentEncoding: 'utf-8',
} as const;

function body(sentAt: number): Buffer {
  return Buffer.from(
    JSON.stringify([[sentAt], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]),
  );
}

/** The baseline does not reconnect: a broker restart mid-run (another suite's fault test) ends the run. */
function failOnBrokerError(err: Error): void {
  console.error(
    `raw amqplib agent: the broker connection failed (${err.message}); was it restarted?`,
  );
  process.exit(1);
}

export class RawProducer implements ProducerSide {
  private returned = 0;

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly queue: string,
  ) {
    channel.on('return', () => {
      this.returned++;
    });
  }

  static async open(url: string, queue: string): Promise<RawProducer> {
    const connection = await amqplib.connect(url, { noDelay: true });
    connection.on('error', failOnBrokerError);
    const channel = await connection.createConfirmChannel();
    return new RawProducer(connection, channel, queue);
  }

  send(sentAt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.channel.publish(this.queue, this.queue, body(sentAt), PUBLISH_OPTIONS, (err) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.returned > 0) throw new Error(`${this.returned} raw publishes were returned`);
    await this.channel.close();
    await this.connection.close();
  }
}

export class RawConsumer implements ConsumerSide {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;
  private recorder: Recorder | undefined;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly prefetch: number,
  ) {}

  prepare(recorder: Recorder): Promise<void> {
    this.recorder = recorder;
    return Promise.resolve();
  }

  async start(): Promise<void> {
    const recorder = this.recorder!;
    const connection = await amqplib.connect(this.url, { noDelay: true });
    connection.on('error', failOnBrokerError);
    const channel = await connection.createChannel();
    this.connection = connection;
    this.channel = channel;
    await channel.prefetch(this.prefetch);
    await channel.consume(
      this.queue,
      (message) => {
        if (!message) return;
        const decoded: unknown = JSON.parse(message.content.toString('utf8'));
        const args: unknown = Array.isArray(decoded) ? decoded[0] : undefined;
        recorder.handle(sentAtOf(args), null);
        channel.ack(message);
      },
      { noAck: false },
    );
  }

  async stop(): Promise<void> {
    await this.channel?.close();
    await this.connection?.close();
    this.channel = undefined;
    this.connection = undefined;
  }
}
