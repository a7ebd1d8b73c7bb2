import { Queue, Worker } from 'bullmq';
import type { Recorder } from '../recorder.js';
import type { ConsumerSide, ProducerSide } from '../sides.js';

/**
 * BullMQ on the local Redis, as its guide has it: `Queue.add(name, data)` once per task (the promise
 * settles when Redis has run the script that stores the job: in memory, and on disk only as the Redis
 * configuration says), and a `Worker` with `concurrency` = the AMQP systems' prefetch, which marks a job
 * completed after its processor's promise resolves. Completed jobs are removed at once (`removeOnComplete:
 * { count: 0 }`), as an acked AMQP message is, rather than kept, BullMQ's default.
 */
const JOB_NAME = 'bench.noop';
/** Every key the benchmark makes starts with this (BullMQ's `prefix`); the run deletes its own at the end. */
export const BULLMQ_PREFIX = 'celeriac-bench-peers';

interface Data {
  readonly sentAt: number;
}

/** Where Redis is: host, port and password, as BullMQ and ioredis both take them. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
}

/** `REDIS_URL` (as the test suites read it), default the local Redis. */
export function redisConnection(): RedisAddress {
  const url = new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

export class BullmqProducer implements ProducerSide {
  private constructor(private readonly queue: Queue) {}

  static async open(name: string): Promise<BullmqProducer> {
    const queue = new Queue(name, { connection: redisConnection(), prefix: BULLMQ_PREFIX });
    await queue.waitUntilReady();
    return new BullmqProducer(queue);
  }

  send(sentAt: number): Promise<unknown> {
    const data: Data = { sentAt };
    return this.queue.add(JOB_NAME, data);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** A worker made and connected before the clock starts (`autorun: false`), run when the phase starts. */
export class BullmqConsumer implements ConsumerSide {
  private worker: Worker<Data> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly concurrency: number,
  ) {}

  async prepare(recorder: Recorder): Promise<void> {
    this.worker = new Worker<Data>(
      this.name,
      (job) => {
        recorder.handle(job.data.sentAt, null);
        return Promise.resolve();
      },
      {
        connection: redisConnection(),
        prefix: BULLMQ_PREFIX,
        concurrency: this.concurrency,
        autorun: false,
        removeOnComplete: { count: 0 },
      },
    );
    this.worker.on('error', (err) => {
      console.error(`BullMQ worker: ${err.message}`);
    });
    await this.worker.waitUntilReady();
  }

  start(): Promise<void> {
    // run() settles only when the worker closes.
    this.running = this.worker!.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.close();
    await this.running;
    this.running = undefined;
  }
}
