import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionHealth } from '../transport/broker-connection.js';
import { BrokerConnections } from '../transport/broker-connections.js';
import { Publisher } from '../transport/publisher.js';
import type { PublisherHealth } from '../transport/publish-request.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RpcResultBackend } from '../results/rpc-result-backend.js';
import type { ResultBackend } from '../results/result-backend.js';
import { RedisConnection } from '../results/redis-connection.js';
import { RedisResultBackend } from '../results/redis-result-backend.js';
import { RedisResultStore } from '../results/redis-result-store.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import type { WorkerHealth } from './worker-health.js';
import { RevocationPublisher } from '../revocation/revocation-publisher.js';
import { Instruments } from './instruments.js';
import type { PublishObserver } from '../transport/publish-request.js';

/**
 * What this process's Celeriac is doing, for a health or readiness check. `ok` is the one-bit answer;
 * `problems` says in words what is wrong.
 */
export interface TaskQueueHealth {
  /**
   * True when nothing in `problems`: connections up, not blocked, and (in a worker) every queue consumed.
   * False until the first connect has succeeded.
   */
  readonly ok: boolean;
  readonly problems: readonly string[];
  /**
   * What needs a look but does not make the process unhealthy: dead-letter queues at or above
   * `worker.deadLetters.warnDepth`.
   */
  readonly warnings: readonly string[];
  /**
   * Each connection this process opened; null for one it never needed. The publish connection opens as
   * the app starts (creating `TaskClient` creates the publisher), so it is there before anything is sent.
   */
  readonly connections: {
    readonly publish: ConnectionHealth | null;
    readonly consume: ConnectionHealth | null;
  };
  /** The publisher, once this process has published. */
  readonly publisher: PublisherHealth | null;
  /** The worker's consumers, in a process that runs `TaskQueueServer`. */
  readonly worker: WorkerHealth | null;
}

/** What the runtime needs of a worker to report on it. */
export interface WorkerHealthSource {
  health(): WorkerHealth;
}

/**
 * The broker-facing objects one process shares: connections, the publisher and the rpc result backend,
 * each created on first use. Closed in `onApplicationShutdown`, which Nest runs after the transport
 * strategy closed, so a draining worker can still publish its last results.
 */
@Injectable()
export class TaskQueueRuntime implements OnApplicationShutdown {
  readonly connections: BrokerConnections;
  private publisherInstance: Publisher | undefined;
  private resultsInstance: ResultBackend | undefined;
  private storeInstance: RedisResultStore | null | undefined;
  private readonly redisConnections: RedisConnection[] = [];
  private worker: WorkerHealthSource | undefined;
  /** @internal The observers metrics attach: told of each delivery and each publish. */
  readonly instruments = new Instruments();

  constructor(@Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions) {
    this.connections = new BrokerConnections(options);
  }

  get publisher(): Publisher {
    if (this.publisherInstance) return this.publisherInstance;
    this.publisherInstance = new Publisher(this.connections.get('publish'), {
      publishTimeoutMs: this.options.publishTimeoutMs,
      maxPendingPublishes: this.options.maxPendingPublishes,
    });
    this.publisherInstance.observe(this.instruments.publish);
    return this.publisherInstance;
  }

  /** @internal Tells `observer` how each publish of this process ends (null: nobody); see `Instruments`. */
  observePublishes(observer: PublishObserver | null): void {
    this.instruments.publish = observer;
    this.publisherInstance?.observe(observer);
  }

  /** The client side of the configured result backend (`resultBackend`). */
  get results(): ResultBackend {
    this.resultsInstance ??= this.createResultBackend();
    return this.resultsInstance;
  }

  /**
   * Where a worker stores results: the Redis store, or null with rpc:// (results then go to each task's
   * `reply_to` queue).
   */
  get resultStore(): RedisResultStore | null {
    if (this.storeInstance === undefined) {
      const backend = this.options.results.backend;
      this.storeInstance =
        backend.kind === 'redis'
          ? new RedisResultStore(this.redis(backend.url, 'results'), this.options.results.expires)
          : null;
    }
    return this.storeInstance;
  }

  private createResultBackend(): ResultBackend {
    const { backend, expires, maxTracked, timeoutMs } = this.options.results;
    if (backend.kind === 'redis') {
      return new RedisResultBackend(
        this.redis(backend.url, 'results'),
        this.redis(backend.url, 'subscriber'),
        expires,
        timeoutMs,
      );
    }
    return new RpcResultBackend(
      this.connections,
      this.options.maxPayloadBytes,
      maxTracked,
      timeoutMs,
    );
  }

  /** One connection per role, shared by the backend and the store of this process. */
  private redis(url: string, role: string): RedisConnection {
    const existing = this.redisConnections.find((c) => c.role === role);
    if (existing) return existing;
    const connection = new RedisConnection(url, role);
    this.redisConnections.push(connection);
    return connection;
  }

  /** A writer to the revocation stream, on the publishing connection and the shared confirm channel. */
  revocationPublisher(): RevocationPublisher {
    return new RevocationPublisher(
      this.connections.get('publish'),
      this.publisher,
      { name: this.options.revocation.stream, retentionMs: this.options.revocation.retentionMs },
      this.options.connectTimeoutMs,
    );
  }

  /** Called by `TaskQueueServer` when it listens, so `health()` covers the worker too. */
  registerWorker(worker: WorkerHealthSource): void {
    this.worker = worker;
  }

  /**
   * A snapshot for health checks: connected, blocked and why, pending publishes, and in a worker whether
   * each queue has a consumer right now.
   *
   * @example
   * \@Get('health') health() { const h = this.runtime.health(); if (!h.ok) throw new ServiceUnavailableException(h.problems); return h; }
   */
  health(): TaskQueueHealth {
    const connections = this.connections.health();
    const publisher = this.publisherInstance?.health() ?? null;
    const worker = this.worker?.health() ?? null;
    const problems: string[] = [];
    for (const role of ['publish', 'consume'] as const) {
      const c = connections[role];
      if (!c) continue;
      if (!c.connected && c.connects === 0 && c.lastError === null) {
        // Opened and still on its first attempt (a broker slow to answer): not ready, and not an outage.
        problems.push(
          `the ${role} connection has not connected yet (connecting since ${c.since.toISOString()})`,
        );
      } else if (!c.connected) {
        problems.push(
          `the ${role} connection is down${c.lastError ? ` (${c.lastError})` : ''}, since ${c.since.toISOString()}`,
        );
      } else if (c.blocked !== null) {
        problems.push(
          `RabbitMQ blocks the ${role} connection (${c.blocked}), since ${c.since.toISOString()}`,
        );
      }
    }
    if (publisher && publisher.pending >= publisher.maxPending) {
      problems.push(
        `${publisher.pending} publishes wait for the broker: new ones are refused (maxPendingPublishes)`,
      );
    }
    if (worker && (worker.state === 'running' || worker.state === 'starting')) {
      for (const q of worker.queues) {
        if (!q.consuming) {
          problems.push(
            `no consumer on "${q.queue}" (${q.state}${q.lastError ? `: ${q.lastError}` : ''})`,
          );
        }
      }
    }
    const warnings = worker?.warnings ?? [];
    return { ok: problems.length === 0, problems, warnings, connections, publisher, worker };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.resultsInstance?.close();
    await Promise.all(this.redisConnections.map((c) => c.close()));
    await this.publisherInstance?.close();
    await this.connections.close();
  }
}
