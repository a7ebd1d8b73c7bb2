import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { errorMessage } from '../errors/error-text.js';
import { MetricsServerError } from '../errors/metrics-server.error.js';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one the system chose for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Where {@link serveMetrics} listens. */
export interface MetricsServerOptions {
  /** TCP port; 0 lets the system choose (read it back from `MetricsServer.port`). */
  readonly port: number;
  /**
   * Address to bind.
   * @defaultValue every interface, so that Prometheus can scrape the pod or host
   */
  readonly host?: string;
}

/**
 * Serves `registry` as Prometheus text at `GET /metrics` (anything else is a 404), with Node's own HTTP
 * server: no framework is needed beside a worker.
 *
 * @throws MetricsServerError when it cannot listen, e.g. the port is taken
 */
export async function serveMetrics(
  registry: Registry,
  options: MetricsServerOptions,
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: scrape /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(err)}\n`);
      },
    );
  });
  await listen(server, options);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, { port, host }: MetricsServerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host ?? '*'}:${port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} is in use by another process (another worker on this host?): give each ` +
            'worker its own port (worker.metricsPort or --metrics-port)'
          : errorMessage(err);
      reject(new MetricsServerError(`Cannot serve /metrics on ${where}: ${why}`, { cause: err }));
    });
    server.listen({ port, ...(host !== undefined ? { host } : {}) }, () => {
      resolve();
    });
  });
}
