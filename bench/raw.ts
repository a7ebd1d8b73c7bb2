import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { messageBody, messageOptions, sentAtOfBody, type MessageShape } from './messages.js';
import { BENCH_TASK } from './protocol.js';
import type { Recorder } from './recorder.js';
import type { ConsumerSide, ProducerSide } from './sides.js';

/**
 * The raw amqplib baselines. Publishes are persistent and confirmed (ConfirmChannel), addressed as Celeriac
 * (and Celery 5.2, for a direct queue) addresses them: the default exchange `''` with the queue name as
 * routing key, to a queue declared the way Celeriac declares it; deliveries are acked one by one, after the
 * handler, with a per-consumer prefetch. What each publishes is its `MessageShape` (messages.ts):
 *
 * - `raw` (the baseline every phase compares with): Celeriac's exact messages, so client and broker handle
 *   the same messages and the difference to Celeriac is the library's own cost.
 * - `raw-bare` (a reference in the rate phases): Celery's body, `mandatory`, no protocol headers.
 * - `raw-min` (a reference in `npm run bench:peers`): golevelup's message, the least a task can carry.
 */

/** Where Celeriac publishes a task for a configured direct queue (task-router.ts). */
const DEFAULT_EXCHANGE = '';

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
    private readonly shape: MessageShape,
  ) {
    channel.on('return', () => {
      this.returned++;
    });
  }

  /** `shape`: the message each send publishes (messages.ts): `raw-min`, `raw-bare` or `raw`'s. */
  static async open(url: string, queue: string, shape: MessageShape): Promise<RawProducer> {
    const connection = await amqplib.connect(url, { noDelay: true });
    connection.on('error', failOnBrokerError);
    const channel = await connection.createConfirmChannel();
    return new RawProducer(connection, channel, queue, shape);
  }

  send(sentAt: number): Promise<void> {
    const options = messageOptions(this.shape, sentAt);
    const body = messageBody(this.shape, sentAt);
    return new Promise<void>((resolve, reject) => {
      this.channel.publish(DEFAULT_EXCHANGE, this.queue, body, options, (err) => {
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

/**
 * What a naive consumer does: with protocol headers (`raw`), look up the task by the `task` header, then
 * `JSON.parse` the body and call the handler with its args; ack each message after it.
 */
export class RawConsumer implements ConsumerSide {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;
  private recorder: Recorder | undefined;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly prefetch: number,
    private readonly shape: MessageShape,
  ) {}

  prepare(recorder: Recorder): Promise<void> {
    this.recorder = recorder;
    return Promise.resolve();
  }

  async start(): Promise<void> {
    const recorder = this.recorder!;
    const protocolHeaders = this.shape === 'celery';
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
        if (protocolHeaders) {
          const task: unknown = message.properties.headers?.['task'];
          if (task !== BENCH_TASK) failOnUnknownTask(task);
        }
        const decoded: unknown = JSON.parse(message.content.toString('utf8'));
        recorder.handle(sentAtOfBody(decoded), null);
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

function failOnUnknownTask(task: unknown): never {
  console.error(`raw amqplib agent: a message for task ${JSON.stringify(task)}, not ${BENCH_TASK}`);
  process.exit(1);
}
