import type { ChannelModel } from 'amqplib';
import { ChangeSignal } from './change-signal.js';
import { probeExchange } from './publish-failures.js';
import type { PublishRequest } from './publish-request.js';

/** What exchange checks need of their publisher. */
export interface ExchangeCheckHost {
  /** True when a publish could be written now. */
  isWritable(): boolean;
  /** The live connection, if any. */
  readonly connection: ChannelModel | undefined;
  /** Throws when the publisher is closed. */
  assertOpen(request: PublishRequest): void;
  /** The error a publish that was never written gets at its deadline. */
  timeoutError(request: PublishRequest): Error;
}

/**
 * Which exchanges are known to exist, and the check of one that is not. Publishing to a missing exchange
 * makes the broker close the shared publishing channel (404), so a publish to an unknown exchange waits
 * until it could be written, probes the exchange on a throwaway channel, then remembers it.
 */
export class ExchangeChecks {
  /** The default exchange always exists. */
  private readonly known = new Set<string>(['']);
  /** Checks waiting for the channel or for an alarm to clear. */
  private readonly changes = new ChangeSignal();

  constructor(private readonly host: ExchangeCheckHost) {}

  isKnown(exchange: string): boolean {
    return this.known.has(exchange);
  }

  /** Marks an exchange this process declared itself, so publishes to it need no check. */
  markKnown(exchange: string): void {
    this.known.add(exchange);
  }

  /**
   * Resolves once `request.exchange` is known to exist.
   * @throws UnroutableError when it does not exist; the host's timeout error at the deadline
   */
  async check(request: PublishRequest, deadline: number): Promise<void> {
    await this.waitUntilWritable(request, deadline);
    const connection = this.host.connection;
    if (!connection) throw this.host.timeoutError(request);
    await probeExchange(connection, request);
    this.known.add(request.exchange);
  }

  /** The channel or connection changed: wake the checks that wait for it. */
  wake(): void {
    this.changes.wake();
  }

  /** Resolves when a publish could be written now; rejects with a timeout error at the deadline. */
  private async waitUntilWritable(request: PublishRequest, deadline: number): Promise<void> {
    for (;;) {
      this.host.assertOpen(request);
      if (this.host.isWritable()) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.host.timeoutError(request);
      await this.changes.next(remaining);
    }
  }
}
