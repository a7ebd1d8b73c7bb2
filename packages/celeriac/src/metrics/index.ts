/**
 * `celeriac/metrics`: Prometheus metrics for Celeriac workers and apps (see docs/observability.md). Needs
 * the `prom-client` package, an optional peer dependency: only this entry imports it.
 */
export { CeleriacMetrics } from './celeriac-metrics.js';
export type { CeleriacMetricsOptions } from './celeriac-metrics.js';
export { TaskQueueMetricsModule } from './task-queue-metrics.module.js';
export { serveMetrics } from './metrics-server.js';
export type { MetricsServer, MetricsServerOptions } from './metrics-server.js';
export { MetricsServerError } from '../errors/metrics-server.error.js';
