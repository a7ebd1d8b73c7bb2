import { randomUUID } from 'node:crypto';
import type { QueueOptions, TaskQueueOptions } from 'celeriac';
import { startClient, startWorker, type TestClient, type TestWorker } from '../../support/apps.js';
import { FaultTasks, LEDGER } from '../../faults/support/fault-tasks.js';
import type { Ledger } from '../../faults/support/ledger.js';

/**
 * A worker and a client of one cluster test: its own task queue (quorum, three replicas), delay cascade
 * and revocation stream, and the nodes' URLs in the order given (amqp-connection-manager tries them in
 * order, so the first is where both connect first).
 */
export interface ClusterApps {
  readonly queue: string;
  readonly delayPrefix: string;
  readonly revocationStream: string;
  readonly worker: TestWorker;
  readonly producer: TestClient;
  close(): Promise<void>;
}

/** The declaration of a cluster test's task queue: quorum, three replicas whatever the node's default. */
export function clusterTaskQueue(name: string): QueueOptions {
  // A poison task stops after 10 deliveries.
  return {
    name,
    type: 'quorum',
    arguments: { 'x-quorum-initial-group-size': 3, 'x-delivery-limit': 10 },
  };
}

/**
 * `overrides` replace the defaults below, for both processes (a delay mode, say). `workerUrls` puts the
 * worker on other nodes first than the client (default: the same order).
 */
export async function startClusterApps(
  urls: readonly string[],
  ledger: Ledger,
  overrides: Partial<TaskQueueOptions> = {},
  workerUrls: readonly string[] = urls,
): Promise<ClusterApps> {
  const tag = randomUUID().slice(0, 8);
  const queue = `cluster.tasks.${tag}`;
  const delayPrefix = `cluster.delay.${tag}`;
  const revocationStream = `cluster.revoked.${tag}`;
  const options: TaskQueueOptions = {
    url: urls,
    defaultQueue: queue,
    delayPrefix,
    revocation: { stream: revocationStream },
    reconnectDelayMs: 250,
    connectTimeoutMs: 2_000,
    publishTimeoutMs: 60_000,
    queues: [clusterTaskQueue(queue)],
    ...overrides,
  };
  const worker = await startWorker({ ...options, url: workerUrls, worker: { concurrency: 20 } }, [
    FaultTasks,
    { provide: LEDGER, useValue: ledger },
  ]);
  const producer = await startClient(options).catch(async (err: unknown) => {
    await worker.close();
    throw err;
  });
  return {
    queue,
    delayPrefix,
    revocationStream,
    worker,
    producer,
    close: async () => {
      await producer.close().catch(() => undefined);
      await worker.close().catch(() => undefined);
    },
  };
}
