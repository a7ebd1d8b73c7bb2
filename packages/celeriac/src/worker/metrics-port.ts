import { MetricsServerError } from '../errors/metrics-server.error.js';
import { errorMessage } from '../errors/error-text.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

/**
 * Starts the worker's `/metrics` server (`worker.metricsPort`). The metrics code, and with it the optional
 * `prom-client` package, is loaded only here: a worker without a metrics port never imports it.
 *
 * @throws MetricsServerError when prom-client is not installed or the port cannot be listened on
 */
export async function startMetricsServer(
  runtime: TaskQueueRuntime,
  port: number,
): Promise<WorkerMetrics> {
  let loaded: typeof import('../metrics/worker-metrics.js');
  try {
    loaded = await import('../metrics/worker-metrics.js');
  } catch (err: unknown) {
    if (
      (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
      /prom-client/.test(errorMessage(err))
    ) {
      throw new MetricsServerError(
        'worker.metricsPort (--metrics-port) needs the prom-client package: npm install prom-client',
        { cause: err },
      );
    }
    throw err;
  }
  return loaded.startWorkerMetrics(runtime, port);
}
