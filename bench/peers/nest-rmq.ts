import { Controller, Logger, Module, type INestMicroservice, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  Ctx,
  EventPattern,
  Payload,
  Transport,
  type ClientProxy,
  type RmqContext,
  type RmqOptions,
} from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';
import { lastValueFrom } from 'rxjs';
import type { Recorder } from '../recorder.js';
import type { ConsumerSide, ProducerSide } from '../sides.js';

/**
 * Nest's own RabbitMQ transport (`@nestjs/microservices`, `Transport.RMQ`), with the settings that give
 * it the benchmark's guarantees: `persistent: true` on the client (its default is transient), whose
 * amqp-connection-manager channel is a confirm channel, so `emit()` completes on the broker's confirm; and
 * `noAck: false` on the server (its default acks on delivery), with the handler acking its message after
 * its work, as Nest's documentation shows, and `prefetchCount` per consumer. The queue is the run's,
 * durable as Celeriac declares it; the message is Nest's JSON envelope `{ pattern, data }`.
 */
const LOG_LEVELS: LogLevel[] = ['error', 'warn'];
const PATTERN = 'bench.noop';

interface NoopData {
  readonly sentAt: number;
}

/** The client's options: `noAck` is left to its default there, since it applies to its reply consumer. */
function clientOptions(url: string, queue: string): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: { urls: [url], queue, queueOptions: { durable: true }, persistent: true },
  };
}

function serverOptions(url: string, queue: string, prefetch: number): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [url],
      queue,
      queueOptions: { durable: true },
      noAck: false,
      prefetchCount: prefetch,
    },
  };
}

/** The recorder of the worker app running now; set by `NestRmqConsumer.prepare`. */
let recorder: Recorder | undefined;

@Controller()
export class NestRmqTasks {
  @EventPattern(PATTERN)
  noop(@Payload() data: NoopData, @Ctx() context: unknown): void {
    recorder!.handle(data.sentAt, null);
    const rmq = context as RmqContext;
    (rmq.getChannelRef() as Channel).ack(rmq.getMessage() as Message);
  }
}

export class NestRmqProducer implements ProducerSide {
  private constructor(private readonly client: ClientProxy) {}

  /** A `ClientProxy` as `ClientsModule` would inject it; connected before the first timed send. */
  static async open(url: string, queue: string): Promise<NestRmqProducer> {
    // A client made outside a Nest app logs through the static logger: keep it to what the others log.
    Logger.overrideLogger(LOG_LEVELS);
    const client = ClientProxyFactory.create(clientOptions(url, queue));
    await client.connect();
    return new NestRmqProducer(client);
  }

  send(sentAt: number): Promise<unknown> {
    const data: NoopData = { sentAt };
    // `emit()` is hot (it publishes without a subscriber) and completes once the publish is confirmed.
    return lastValueFrom(this.client.emit(PATTERN, data), { defaultValue: undefined });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** A microservice built before the clock starts (untimed), listening when the phase starts. */
export class NestRmqConsumer implements ConsumerSide {
  private app: INestMicroservice | undefined;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly prefetch: number,
  ) {}

  async prepare(next: Recorder): Promise<void> {
    recorder = next;
    @Module({ controllers: [NestRmqTasks] })
    class NestRmqWorkerModule {}
    this.app = await NestFactory.createMicroservice<RmqOptions>(NestRmqWorkerModule, {
      ...serverOptions(this.url, this.queue, this.prefetch),
      logger: LOG_LEVELS,
      abortOnError: false,
    });
  }

  async start(): Promise<void> {
    await this.app!.listen();
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }
}
