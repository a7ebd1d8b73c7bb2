import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { type MetricsServer, serveMetrics } from './metrics-server.js';

/** What the pool metrics read of a `-P processes` supervisor. */
export interface PoolMetricsSource {
  /** The pids of the live worker processes. */
  readonly pids: readonly number[];
  /** Worker processes that exited unexpectedly so far. */
  readonly crashes: number;
}

/**
 * The `/metrics` of a `-P processes` supervisor (`--metrics-port`): its worker processes and how many were
 * replaced after dying, with Node's process metrics. Each worker process serves its own task metrics on
 * the ports after this one.
 *
 * @throws MetricsServerError when the port cannot be listened on
 */
export async function servePoolMetrics(
  pool: PoolMetricsSource,
  port: number,
  prefix = 'celeriac_',
): Promise<MetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: `${prefix}pool_processes`,
    help: 'Worker processes of the -P processes pool running now.',
    registers,
    collect() {
      this.set(pool.pids.length);
    },
  });
  new Counter({
    name: `${prefix}pool_restarts_total`,
    help: 'Worker processes that exited unexpectedly and were replaced.',
    registers,
    collect() {
      this.reset();
      this.inc(pool.crashes);
    },
  });
  return serveMetrics(registry, { port });
}
