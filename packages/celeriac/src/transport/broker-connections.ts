import { IllegalStateError } from '../errors/illegal-state.error.js';
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
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ResolvedTaskQueueOptions) {}

  /**
   * The connection for `role`, opened on first use.
   * @throws IllegalStateError after `close()`: a connection opened then would reconnect for ever, with
   *   nobody left to close it
   */
  get(role: ConnectionRole): BrokerConnection {
    if (this.closing) {
      throw new IllegalStateError(`Cannot open the ${role} connection: Celeriac has shut down`);
    }
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

  /** Closes both; every call resolves when they are closed. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
