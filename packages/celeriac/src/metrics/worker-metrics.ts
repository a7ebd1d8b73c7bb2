import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { CeleriacMetrics } from './celeriac-metrics.js';
import { serveMetrics } from './metrics-server.js';

/** A worker's metrics and the server that exposes them. */
export interface WorkerMetrics {
  readonly metrics: CeleriacMetrics;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * What `worker.metricsPort` (`--metrics-port`) starts: Celeriac's metrics in a registry of their own,
 * with Node's default process metrics beside them, served at `/metrics` on `port`.
 *
 * @throws MetricsServerError when the port cannot be listened on
 */
export async function startWorkerMetrics(
  runtime: TaskQueueRuntime,
  port: number,
): Promise<WorkerMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new CeleriacMetrics({ registry });
  const server = await serveMetrics(registry, { port });
  metrics.attach(runtime);
  return {
    metrics,
    port: server.port,
    close: async () => {
      await metrics.detach();
      await server.close();
    },
  };
}
