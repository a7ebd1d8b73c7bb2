import {
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { CeleriacMetrics, type CeleriacMetricsOptions } from './celeriac-metrics.js';

const METRICS_OPTIONS = Symbol('celeriac:metrics-options');

/** Attaches the metrics to the app's runtime at init, and detaches them at shutdown. */
@Injectable()
class MetricsAttachment implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly metrics: CeleriacMetrics,
    private readonly runtime: TaskQueueRuntime,
  ) {}

  onModuleInit(): void {
    this.metrics.attach(this.runtime);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.metrics.detach();
  }
}

/**
 * Registers Celeriac's metrics in your app's Prometheus registry (prom-client's global one by default),
 * for an app that serves `/metrics` itself, such as an API with `@willsoto/nestjs-prometheus` or a
 * controller of its own. `CeleriacMetrics` is injectable. Import it beside `TaskQueueModule` (which must
 * provide `TaskQueueRuntime` to it: `isGlobal: true`, or import both in the same module).
 *
 * @example
 * \@Module({
 *   imports: [
 *     TaskQueueModule.forRoot({ isGlobal: true }),
 *     TaskQueueMetricsModule.forRoot({ registry }),
 *   ],
 * })
 * export class ApiModule {}
 */
@Module({})
export class TaskQueueMetricsModule {
  /** The metrics, with these options, attached to the app's `TaskQueueRuntime`. */
  static forRoot(options: CeleriacMetricsOptions = {}): DynamicModule {
    return {
      module: TaskQueueMetricsModule,
      providers: [
        { provide: METRICS_OPTIONS, useValue: options },
        {
          provide: CeleriacMetrics,
          inject: [METRICS_OPTIONS],
          useFactory: (o: CeleriacMetricsOptions) => new CeleriacMetrics(o),
        },
        MetricsAttachment,
      ],
      exports: [CeleriacMetrics],
    };
  }
}
