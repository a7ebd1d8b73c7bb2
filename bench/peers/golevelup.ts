import { AmqpConnection, RabbitMQModule, RabbitSubscribe } from '@golevelup/nestjs-rabbitmq';
import {
  Injectable,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type LogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ConsumeMessage } from 'amqplib';
import { messageBody, messageOptions, sentAtOfBody, type MessageShape } from '../messages.js';
import { BENCH_TASK } from '../protocol.js';
import type { Recorder } from '../recorder.js';
import type { ConsumerSide, ProducerSide } from '../sides.js';

/**
 * @golevelup/nestjs-rabbitmq as its README has it: `AmqpConnection.publish()` from an application context
 * (a confirm channel through amqp-connection-manager: the promise settles on the broker's confirm), and a
 * `@RabbitSubscribe` handler on a provider, acked by the library once the handler returns. The message is
 * the payload object, JSON-encoded, with no headers; the queue is the run's, declared as Celeriac declares
 * it (durable), and consumed directly (no exchange binding), with a per-consumer prefetch.
 *
 * `golevelup-celery` is the same code carrying Celeriac's exact messages (messages.ts `celery`: Celery's
 * body, the protocol 2 header table, correlation id and priority, `mandatory`), its handler checking the
 * `task` header as a task dispatcher must: the like-for-like row for what each library itself costs.
 */
const LOG_LEVELS: LogLevel[] = ['error', 'warn'];
/** The handler's name in the module's `handlers` map: the queue name is only known at run time. */
const HANDLER = 'bench';

/** The recorder of the worker app running now; set by `GolevelupConsumer.prepare`. */
let recorder: Recorder | undefined;

@Injectable()
export class GolevelupTasks {
  @RabbitSubscribe({ name: HANDLER })
  noop(message: unknown, amqpMessage: ConsumeMessage): void {
    const task: unknown = amqpMessage.properties.headers?.['task'];
    if (Array.isArray(message) && task !== BENCH_TASK) {
      throw new Error(`golevelup agent: a message for task ${JSON.stringify(task)}`);
    }
    recorder!.handle(sentAtOfBody(message), null);
  }
}

function rabbitModule(
  url: string,
  queue: string,
  prefetch: number,
  worker: boolean,
): DynamicModule {
  return RabbitMQModule.forRoot({
    uri: url,
    prefetchCount: prefetch,
    connectionInitOptions: { wait: true },
    registerHandlers: worker,
    handlers: { [HANDLER]: { queue, queueOptions: { durable: true } } },
  });
}

export class GolevelupProducer implements ProducerSide {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly amqp: AmqpConnection,
    private readonly queue: string,
    private readonly shape: MessageShape,
  ) {}

  /** `shape`: golevelup's own message for `{ sentAt }` (`min`), or Celeriac's (`celery`). */
  static async open(
    url: string,
    queue: string,
    prefetch: number,
    shape: MessageShape,
  ): Promise<GolevelupProducer> {
    @Module({ imports: [rabbitModule(url, queue, prefetch, false)] })
    class GolevelupProducerModule {}
    const app = await NestFactory.createApplicationContext(GolevelupProducerModule, {
      logger: LOG_LEVELS,
      abortOnError: false,
    });
    return new GolevelupProducer(app, app.get(AmqpConnection), queue, shape);
  }

  send(sentAt: number): Promise<boolean> {
    if (this.shape === 'min') {
      // golevelup's own path, as its README has it: it JSON-encodes the payload object.
      return this.amqp.publish('', this.queue, { sentAt }, { persistent: true });
    }
    return this.amqp.publish(
      '',
      this.queue,
      messageBody(this.shape, sentAt),
      messageOptions(this.shape, sentAt),
    );
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/**
 * The worker: an application context whose module subscribes while it initialises, so (unlike the
 * Celeriac and Nest RMQ workers, whose Nest app is built before the clock starts) a drain's time includes
 * building this small app.
 */
export class GolevelupConsumer implements ConsumerSide {
  private app: INestApplicationContext | undefined;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly prefetch: number,
  ) {}

  prepare(next: Recorder): Promise<void> {
    recorder = next;
    return Promise.resolve();
  }

  async start(): Promise<void> {
    @Module({
      imports: [rabbitModule(this.url, this.queue, this.prefetch, true)],
      providers: [GolevelupTasks],
    })
    class GolevelupWorkerModule {}
    this.app = await NestFactory.createApplicationContext(GolevelupWorkerModule, {
      logger: LOG_LEVELS,
      abortOnError: false,
    });
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }
}
