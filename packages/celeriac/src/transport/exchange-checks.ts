import type { ChannelModel } from 'amqplib';
import { ChangeSignal } from './change-signal.js';
import { exchangeCheckFailure, probeExchange } from './publish-failures.js';
import type { PublishRequest } from './publish-request.js';

/** Probes (each a throwaway channel) that may run at once, whatever the number of exchanges asked about. */
export const MAX_CONCURRENT_PROBES = 4;
/** Exchanges remembered as existing; past it the oldest is forgotten (and probed again if used again). */
export const MAX_KNOWN_EXCHANGES = 10_000;

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

/** A probe's answer: exists, missing, or the check failed. */
type ProbeOutcome = { readonly exists: boolean } | { readonly error: unknown };

/**
 * Which exchanges are known to exist, and the check of one that is not. Publishing to a missing exchange
 * makes the broker close the shared publishing channel (404), so a publish to an unknown exchange waits
 * until it could be written, probes the exchange on a throwaway channel, then remembers it. Publishes to
 * the same exchange share one probe, at most `MAX_CONCURRENT_PROBES` run at once, and each publish waits
 * for its probe only until its own deadline.
 */
export class ExchangeChecks {
  /** The default exchange always exists; insertion order is age, for forgetting the oldest. */
  private readonly known = new Set<string>(['']);
  /** The probe running for each exchange. */
  private readonly probes = new Map<string, Promise<ProbeOutcome>>();
  /** Checks waiting for the channel, an alarm to clear, or a probe slot. */
  private readonly changes = new ChangeSignal();

  constructor(private readonly host: ExchangeCheckHost) {}

  isKnown(exchange: string): boolean {
    return this.known.has(exchange);
  }

  /** Marks an exchange this process declared itself, so publishes to it need no check. */
  markKnown(exchange: string): void {
    this.remember(exchange);
  }

  /**
   * Resolves once `request.exchange` is known to exist.
   * @throws UnroutableError when it does not exist; PublishError when the check failed; the host's
   *   timeout error at the deadline
   */
  async check(request: PublishRequest, deadline: number): Promise<void> {
    const running = await this.probeFor(request, deadline);
    if (running === undefined) return;
    const outcome = await this.within(running.probe, request, deadline);
    if ('error' in outcome) throw exchangeCheckFailure(request, outcome.error);
    if (!outcome.exists) throw exchangeCheckFailure(request, undefined);
  }

  /** The channel or connection changed: wake the checks that wait for it. */
  wake(): void {
    this.changes.wake();
  }

  private startProbe(exchange: string): Promise<ProbeOutcome> {
    const connection = this.host.connection;
    const probe = (
      connection
        ? probeExchange(connection, exchange).then(
            (exists): ProbeOutcome => ({ exists }),
            (error: unknown): ProbeOutcome => ({ error }),
          )
        : Promise.resolve<ProbeOutcome>({ error: new Error('not connected') })
    ).then((outcome) => {
      this.probes.delete(exchange);
      if ('exists' in outcome && outcome.exists) this.remember(exchange);
      this.changes.wake();
      return outcome;
    });
    this.probes.set(exchange, probe);
    return probe;
  }

  private remember(exchange: string): void {
    this.known.add(exchange);
    if (this.known.size <= MAX_KNOWN_EXCHANGES) return;
    for (const oldest of this.known) {
      if (oldest !== '') {
        this.known.delete(oldest);
        return;
      }
    }
  }

  /**
   * The probe of `request.exchange`: the one running, or a new one once a publish could be written and a
   * slot is free; undefined when the exchange became known meanwhile. Rejects at the deadline. A slot is
   * taken in the same turn as it is found free, so concurrent checks cannot all take the last one.
   */
  private async probeFor(
    request: PublishRequest,
    deadline: number,
  ): Promise<{ readonly probe: Promise<ProbeOutcome> } | undefined> {
    for (;;) {
      this.host.assertOpen(request);
      if (this.known.has(request.exchange)) return undefined;
      const running = this.probes.get(request.exchange);
      if (running) return { probe: running };
      if (this.host.isWritable() && this.probes.size < MAX_CONCURRENT_PROBES) {
        return { probe: this.startProbe(request.exchange) };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.host.timeoutError(request);
      await this.changes.next(remaining);
    }
  }

  /** `probe`'s outcome, or the host's timeout error once the deadline passed. */
  private async within(
    probe: Promise<ProbeOutcome>,
    request: PublishRequest,
    deadline: number,
  ): Promise<ProbeOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          reject(this.host.timeoutError(request));
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
