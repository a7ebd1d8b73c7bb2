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
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  Task,
  TaskClient,
  TaskContext,
  TaskQueueModule,
  TaskQueueRuntime,
  TaskQueueServer,
  type TaskQueueOptions,
} from 'celeriac';
import { CeleriacMetrics } from 'celeriac/metrics';
import { Registry } from 'prom-client';
import { BENCH_TASK, type CeleriacImpl } from './protocol.js';
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

function options(
  url: string,
  queue: string,
  prefetch: number,
  impl: CeleriacImpl,
): TaskQueueOptions {
  return {
    url,
    defaultQueue: queue,
    // BENCH_QUEUE_TYPE=quorum measures a quorum queue (the orchestrator must have declared it so).
    ...(process.env['BENCH_QUEUE_TYPE'] === 'quorum'
      ? { queues: [{ name: queue, type: 'quorum' as const }] }
      : {}),
    delayPrefix: delayPrefixOf(queue),
    worker: { queues: [queue], concurrency: prefetch, prefetch },
    // `celeriac-events` turns task events on: received, started and succeeded per task, batched.
    events: { taskEvents: impl === 'celeriac-events' },
    // BENCH_TASK_HEADERS=full measures Celery's full sixteen-header table instead of the lean default.
    taskHeaders: process.env['BENCH_TASK_HEADERS'] === 'full' ? 'full' : 'lean',
  };
}

/**
 * `celeriac-observed` runs Celeriac's metrics (attached per app, `observe`) and its tracing, which goes
 * through `@opentelemetry/api` and is on whenever Celeriac runs; with no SDK there is no exporter.
 * BENCH_TRACING_SDK=1 also registers the SDK as an app would (a tracer provider that samples and records
 * every span, the W3C propagator, the async-hooks context manager) with no span processor, so still no
 * exporter: the cost of recording spans.
 */
export function registerTracingSdk(): void {
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** Celeriac's metrics on the app's runtime, in a registry nobody scrapes. */
function observe(app: INestApplicationContext): void {
  new CeleriacMetrics({ registry: new Registry() }).attach(app.get(TaskQueueRuntime));
}

/** The producing side: an application context with `TaskClient`, as an API process has it. */
export class CeleriacProducer implements ProducerSide {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly client: TaskClient,
  ) {}

  static async open(
    url: string,
    queue: string,
    prefetch: number,
    impl: CeleriacImpl,
  ): Promise<CeleriacProducer> {
    @Module({ imports: [TaskQueueModule.forRoot(options(url, queue, prefetch, impl))] })
    class BenchProducerModule {}
    const app = await NestFactory.createApplicationContext(BenchProducerModule, {
      logger: LOG_LEVELS,
      abortOnError: false,
    });
    if (impl === 'celeriac-observed') observe(app);
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
  private readonly observed: boolean;
  private app: INestMicroservice | undefined;

  constructor(url: string, queue: string, prefetch: number, impl: CeleriacImpl) {
    @Module({
      imports: [TaskQueueModule.forRoot(options(url, queue, prefetch, impl))],
      providers: [BenchTasks],
    })
    class BenchWorkerModule {}
    this.module = BenchWorkerModule;
    this.observed = impl === 'celeriac-observed';
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
    if (this.observed) observe(this.app);
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
