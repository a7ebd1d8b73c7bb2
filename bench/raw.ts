import { randomUUID } from 'node:crypto';
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Options,
} from 'amqplib';
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
const PUBLISH_OPTIONS: Options.Publish = {
  persistent: true,
  mandatory: true,
  contentType: 'application/json',
  contentEncoding: 'utf-8',
};

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

const ORIGIN = `gen${process.pid}@bench`;

/**
 * The properties of a Celery protocol 2 task (celery-protocol.md §2–§3) as kombu sends them, written by
 * hand for the `raw-celery` baseline: it isolates what the protocol costs from what the library costs.
 */
function celeryProperties(sentAt: number): Options.Publish {
  const id = randomUUID();
  return {
    ...PUBLISH_OPTIONS,
    correlationId: id,
    priority: 0,
    headers: {
      lang: 'py',
      task: 'bench.noop',
      id,
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: id,
      parent_id: null,
      argsrepr: `(${sentAt},)`,
      kwargsrepr: '{}',
      origin: ORIGIN,
      ignore_result: true,
    },
  };
}

export class RawProducer implements ProducerSide {
  private returned = 0;

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly queue: string,
    private readonly celeryHeaders: boolean,
  ) {
    channel.on('return', () => {
      this.returned++;
    });
  }

  static async open(url: string, queue: string, celeryHeaders: boolean): Promise<RawProducer> {
    const connection = await amqplib.connect(url, { noDelay: true });
    connection.on('error', failOnBrokerError);
    const channel = await connection.createConfirmChannel();
    return new RawProducer(connection, channel, queue, celeryHeaders);
  }

  send(sentAt: number): Promise<void> {
    const options = this.celeryHeaders ? celeryProperties(sentAt) : PUBLISH_OPTIONS;
    return new Promise<void>((resolve, reject) => {
      this.channel.publish(this.queue, this.queue, body(sentAt), options, (err) => {
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
