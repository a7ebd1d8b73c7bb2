import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Options,
} from 'amqplib';
import { BENCH_TASK, sentAtOf } from './protocol.js';
import type { Recorder } from './recorder.js';
import type { ConsumerSide, ProducerSide } from './sides.js';

/**
 * The raw amqplib baselines, with the same guarantees Celeriac gives. Publishes are persistent, mandatory
 * and confirmed (ConfirmChannel), addressed as Celeriac (and Celery 5.2, for a direct queue) addresses
 * them: the default exchange `''` with the queue name as routing key, to a queue declared the way Celeriac
 * declares it; deliveries are acked one by one, after the handler, with a per-consumer prefetch. The body
 * is Celery's (`[args, kwargs, embed]`) on both.
 *
 * - `raw` (the baseline every phase compares with): each message also carries the properties Celeriac
 *   sends for the task (`celeryProperties()`), so client and broker handle the same messages and the
 *   difference to Celeriac is the library's own cost.
 * - `raw-bare` (a reference in the rate phases): the body alone, no protocol headers to encode or decode.
 */
const PUBLISH_OPTIONS: Options.Publish = {
  persistent: true,
  mandatory: true,
  contentType: 'application/json',
  contentEncoding: 'utf-8',
};

/** Where Celeriac publishes a task for a configured direct queue (task-router.ts). */
const DEFAULT_EXCHANGE = '';

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

/** What Celeriac's `TaskClient` puts in `origin`. */
const ORIGIN = `gen${process.pid}@${hostname()}`;

/** Celery's `retries` as kombu and Celeriac type it: an AMQP int32 (`I`), not amqplib's default byte. */
const NO_RETRIES = { '!': 'int32', value: 0 } as const;

/** The same switch as the Celeriac side (celeriac.ts): Celery's full table, or the lean default. */
const FULL_HEADERS = process.env['BENCH_TASK_HEADERS'] === 'full';

/**
 * The properties of a Celery protocol 2 task (celery-protocol.md §2–§3), written by hand for the `raw`
 * baseline the way kombu builds them (a fresh UUID as id and correlation id; priority 0) and with the
 * values Celeriac's `TaskClient.send()` gives this task, so that both publish the same header table (same
 * keys in the same order, same value types, same lengths): the lean one Celeriac sends by default
 * (`task`, `id`, `ignore_result`), or with BENCH_TASK_HEADERS=full Celery's sixteen.
 */
function celeryProperties(sentAt: number): Options.Publish {
  const id = randomUUID();
  return {
    ...PUBLISH_OPTIONS,
    headers: FULL_HEADERS
      ? {
          lang: 'js',
          task: BENCH_TASK,
          id,
          shadow: null,
          eta: null,
          expires: null,
          group: null,
          group_index: null,
          retries: NO_RETRIES,
          timelimit: [null, null],
          root_id: id,
          parent_id: null,
          argsrepr: `(${sentAt},)`,
          kwargsrepr: '{}',
          origin: ORIGIN,
          ignore_result: true,
        }
      : { task: BENCH_TASK, id, ignore_result: true },
    priority: 0,
    correlationId: id,
  };
}

export class RawProducer implements ProducerSide {
  private returned = 0;

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly queue: string,
    private readonly protocolHeaders: boolean,
  ) {
    channel.on('return', () => {
      this.returned++;
    });
  }

  /** `protocolHeaders`: send Celeriac's properties with each body (`raw`), or the body alone (`raw-bare`). */
  static async open(url: string, queue: string, protocolHeaders: boolean): Promise<RawProducer> {
    const connection = await amqplib.connect(url, { noDelay: true });
    connection.on('error', failOnBrokerError);
    const channel = await connection.createConfirmChannel();
    return new RawProducer(connection, channel, queue, protocolHeaders);
  }

  send(sentAt: number): Promise<void> {
    const options = this.protocolHeaders ? celeryProperties(sentAt) : PUBLISH_OPTIONS;
    return new Promise<void>((resolve, reject) => {
      this.channel.publish(DEFAULT_EXCHANGE, this.queue, body(sentAt), options, (err) => {
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
    private readonly protocolHeaders: boolean,
  ) {}

  prepare(recorder: Recorder): Promise<void> {
    this.recorder = recorder;
    return Promise.resolve();
  }

  async start(): Promise<void> {
    const recorder = this.recorder!;
    const protocolHeaders = this.protocolHeaders;
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

function failOnUnknownTask(task: unknown): never {
  console.error(`raw amqplib agent: a message for task ${JSON.stringify(task)}, not ${BENCH_TASK}`);
  process.exit(1);
}
