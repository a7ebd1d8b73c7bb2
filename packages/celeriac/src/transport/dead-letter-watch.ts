import { Logger } from '@nestjs/common';
import { errorMessage } from '../errors/error-text.js';
import type { BrokerConnection } from './broker-connection.js';
import { queueDepth } from './topology.js';

/** A dead-letter queue's depth at the last check. */
export interface DeadLetterDepth {
  /** The dead-letter queue, `<queue>.dead`. */
  readonly queue: string;
  /** Messages in it; null when it does not exist or was not checked yet. */
  readonly depth: number | null;
}

/**
 * Looks at the depth of a worker's dead-letter queues every `intervalMs`, off the delivery path (one
 * passive declare per queue on a throwaway channel), and warns while one holds `warnDepth` or more: once
 * when it crosses the threshold, then each time the depth doubles, so a growing backlog is seen without a
 * line a minute.
 */
export class DeadLetterWatch {
  private readonly logger = new Logger(DeadLetterWatch.name);
  private readonly depths = new Map<string, number | null>();
  /** The depth of the last warning, per queue, while it stays above the threshold. */
  private readonly warnedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly queues: readonly string[],
    private readonly warnDepth: number,
    private readonly intervalMs: number,
  ) {
    for (const queue of queues) this.depths.set(queue, null);
  }

  start(): void {
    this.timer ??= setInterval(() => {
      void this.check();
    }, this.intervalMs).unref();
    void this.check();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The depths at the last check. */
  snapshot(): readonly DeadLetterDepth[] {
    return [...this.depths].map(([queue, depth]) => ({ queue, depth }));
  }

  /** One sentence per dead-letter queue at or above the threshold, for health checks. */
  warnings(): string[] {
    return this.snapshot()
      .filter((d) => d.depth !== null && d.depth >= this.warnDepth)
      .map((d) => describe(d.queue, d.depth ?? 0, this.warnDepth));
  }

  /** Checks every queue once; resolves when done. Never rejects: a failed check keeps the last depth. */
  async check(): Promise<void> {
    const connection = this.connection.current;
    if (this.checking || connection === undefined) return;
    this.checking = true;
    try {
      for (const queue of this.queues) {
        if (this.timer === undefined) return;
        try {
          const depth = await queueDepth(connection, queue);
          this.depths.set(queue, depth);
          this.maybeWarn(queue, depth ?? 0);
        } catch (err: unknown) {
          this.logger.debug(`Cannot check the depth of "${queue}": ${errorMessage(err)}`);
        }
      }
    } finally {
      this.checking = false;
    }
  }

  private maybeWarn(queue: string, depth: number): void {
    if (depth < this.warnDepth) {
      this.warnedAt.delete(queue);
      return;
    }
    const last = this.warnedAt.get(queue);
    if (last !== undefined && depth < 2 * last) return;
    this.warnedAt.set(queue, depth);
    this.logger.warn(describe(queue, depth, this.warnDepth));
  }
}

function describe(queue: string, depth: number, warnDepth: number): string {
  const source = queue.replace(/\.dead$/, '');
  return (
    `Dead-letter queue "${queue}" holds ${depth} message(s) (worker.deadLetters.warnDepth ${warnDepth}): ` +
    `tasks keep failing or being refused. Look at them with DeadLetters.list('${source}'), then replay or ` +
    `purge them; retention (maxAgeMs, maxLength) drops the oldest`
  );
}
