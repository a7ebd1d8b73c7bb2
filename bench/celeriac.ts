import {
  Injectable,
  Module,
  type INestApplicationContext,
  type INestMicroservice,
  type LogLevel,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AsyncMicroserviceOptions } from '@nestjs/microservices';
import {
  Task,
  TaskClient,
  TaskContext,
  TaskQueueModule,
  TaskQueueServer,
  type TaskQueueOptions,
} from 'celeriac';
import { BENCH_TASK } from './protocol.js';
import type { Recorder } from './recorder.js';
import type { ConsumerSide, ProducerSide } from './sides.js';

const LOG_LEVELS: LogLevel[] = ['error', 'warn'];

/** The recorder of the worker app running now; set by `CeleriacConsumer.prepare`. */
let recorder: Recorder | undefined;

@Injectable()
export class BenchTasks {
  /** The no-op task: all it does is what the raw consumer's callback does, record the start. */
  @Task({ name: BENCH_TASK, ignoreResult: true })
  noop(sentAt: number, ctx: TaskContext): void {
    recorder!.handle(sentAt, ctx.eta);
  }
}

/** The run's own delay cascade, so runs never share (or leave behind) delay queues. */
export function delayPrefixOf(queue: string): string {
  return `${queue}.delay`;
}

function options(url: string, queue: string, prefetch: number): TaskQueueOptions {
  return {
    url,
    defaultQueue: queue,
    // BENCH_QUEUE_TYPE=quorum measures a quorum queue (the orchestrator must have declared it so).
    ...(process.env['BENCH_QUEUE_TYPE'] === 'quorum'
      ? { queues: [{ name: queue, type: 'quorum' as const }] }
      : {}),
    delayPrefix: delayPrefixOf(queue),
    worker: { queues: [queue], concurrency: prefetch, prefetch },
    // BENCH_TASK_EVENTS=1 measures the worker with task events on (three events per task, batched).
    events: { taskEvents: process.env['BENCH_TASK_EVENTS'] === '1' },
    // BENCH_TASK_HEADERS=full measures Celery's full sixteen-header table instead of the lean default.
    taskHeaders: process.env['BENCH_TASK_HEADERS'] === 'full' ? 'full' : 'lean',
  };
}

/** The producing side: an application context with `TaskClient`, as an API process has it. */
export class CeleriacProducer implements ProducerSide {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly client: TaskClient,
  ) {}

  static async open(url: string, queue: string, prefetch: number): Promise<CeleriacProducer> {
    @Module({ imports: [TaskQueueModule.forRoot(options(url, queue, prefetch))] })
    class BenchProducerModule {}
    const app = await NestFactory.createApplicationContext(BenchProducerModule, {
      logger: LOG_LEVELS,
      abortOnError: false,
    });
    return new CeleriacProducer(app, app.get(TaskClient));
  }

  send(sentAt: number): Promise<unknown> {
    return this.client.send(BENCH_TASK, [sentAt], {}, { ignoreResult: true });
  }

  sendDelayed(sentAt: number, countdownS: number): Promise<unknown> {
    return this.client.send(
      BENCH_TASK,
      [sentAt],
      {},
      { ignoreResult: true, countdown: countdownS },
    );
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/**
 * The consuming side: a worker microservice with `TaskQueueServer` as its strategy, built the way
 * `runWorker()` builds it. A fresh app per phase (in the same, already warm, process), because a
 * stopped `TaskQueueServer` does not start again.
 */
export class CeleriacConsumer implements ConsumerSide {
  private readonly module: Type;
  private app: INestMicroservice | undefined;

  constructor(url: string, queue: string, prefetch: number) {
    @Module({
      imports: [TaskQueueModule.forRoot(options(url, queue, prefetch))],
      providers: [BenchTasks],
    })
    class BenchWorkerModule {}
    this.module = BenchWorkerModule;
  }

  async prepare(next: Recorder): Promise<void> {
    recorder = next;
    const strategy: AsyncMicroserviceOptions = {
      useFactory: (server: TaskQueueServer) => ({ strategy: server }),
      inject: [TaskQueueServer],
    };
    this.app = await NestFactory.createMicroservice(this.module, {
      ...strategy,
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
    if (!app) return;
    await app.get(TaskQueueServer).close();
    await app.close();
  }
}
