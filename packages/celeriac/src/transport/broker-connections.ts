import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import {
  BrokerConnection,
  type ConnectionHealth,
  type ConnectionRole,
} from './broker-connection.js';

/**
 * The process's two broker connections, opened on first use: an API process that only enqueues never
 * opens more than it needs. Closed last, after the worker drained and the client settled.
 */
export class BrokerConnections {
  private readonly open = new Map<ConnectionRole, BrokerConnection>();

  constructor(private readonly options: ResolvedTaskQueueOptions) {}

  get(role: ConnectionRole): BrokerConnection {
    let connection = this.open.get(role);
    if (!connection) {
      connection = new BrokerConnection(role, this.options);
      this.open.set(role, connection);
    }
    return connection;
  }

  /** Connection state for health checks; null for a role this process never opened. */
  health(): Readonly<Record<ConnectionRole, ConnectionHealth | null>> {
    return {
      publish: this.open.get('publish')?.health() ?? null,
      consume: this.open.get('consume')?.health() ?? null,
    };
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
