import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BrokerConnections } from './broker/broker-connections.js';
import { Publisher } from './client/publisher.js';
import type { ResolvedTaskQueueOptions } from './options/task-queue-options.js';
import { RpcResultBackend } from './results/rpc-result-backend.js';
import { RESOLVED_OPTIONS } from './task-queue.constants.js';

/**
 * The broker-facing objects one process shares: connections, the publisher and the rpc result backend,
 * each created on first use. Closed in `onApplicationShutdown`, which Nest runs after the transport
 * strategy closed, so a draining worker can still publish its last results.
 */
@Injectable()
export class TaskQueueRuntime implements OnApplicationShutdown {
  readonly connections: BrokerConnections;
  private publisherInstance: Publisher | undefined;
  private resultsInstance: RpcResultBackend | undefined;

  constructor(@Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions) {
    this.connections = new BrokerConnections(options);
  }

  get publisher(): Publisher {
    this.publisherInstance ??= new Publisher(this.connections.get('publish'), {
      publishTimeoutMs: this.options.publishTimeoutMs,
      maxPendingPublishes: this.options.maxPendingPublishes,
    });
    return this.publisherInstance;
  }

  get results(): RpcResultBackend {
    this.resultsInstance ??= new RpcResultBackend(
      this.connections,
      this.options.connectTimeoutMs,
      this.options.maxPayloadBytes,
    );
    return this.resultsInstance;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.resultsInstance?.close();
    await this.publisherInstance?.close();
    await this.connections.close();
  }
}
