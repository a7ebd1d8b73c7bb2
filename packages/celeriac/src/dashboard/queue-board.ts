/** One read of a queue: what a passive declare tells (ready messages and consumers); null when missing. */
export interface QueueReading {
  readonly name: string;
  readonly depth: number | null;
  readonly consumers: number | null;
  /** Ready messages of its dead-letter queue (`<name>.dead`); null when it has none. */
  readonly deadDepth: number | null;
}

/** A queue as the dashboard shows it. */
export interface QueueView extends QueueReading {
  /**
   * How fast the backlog changes, messages per second between the last two reads: positive when tasks
   * arrive faster than workers take them, negative while a backlog drains. Null after the first read.
   */
  readonly depthRate: number | null;
  readonly deadRate: number | null;
  /** When it was read, milliseconds since the epoch. */
  readonly readAt: number;
}

interface Reading {
  readonly at: number;
  readonly value: QueueReading;
}

/**
 * The queues, from periodic reads of their depth. Pure: the reads and their times are passed in. A
 * passive declare gives no publish or deliver counts (those need RabbitMQ's management plugin), so the
 * rate shown is the backlog's trend.
 */
export class QueueBoard {
  private readonly latest = new Map<string, Reading>();
  private readonly previous = new Map<string, Reading>();

  /** Records one round of reads taken at `atMs`; queues not in it are dropped. */
  record(readings: readonly QueueReading[], atMs: number): void {
    const names = new Set(readings.map((r) => r.name));
    for (const name of [...this.latest.keys()]) {
      if (!names.has(name)) {
        this.latest.delete(name);
        this.previous.delete(name);
      }
    }
    for (const value of readings) {
      const last = this.latest.get(value.name);
      if (last) this.previous.set(value.name, last);
      this.latest.set(value.name, { at: atMs, value });
    }
  }

  view(): QueueView[] {
    return [...this.latest.values()]
      .map(({ at, value }) => {
        const before = this.previous.get(value.name);
        return {
          ...value,
          depthRate: perSecond(before?.value.depth, value.depth, before?.at, at),
          deadRate: perSecond(before?.value.deadDepth, value.deadDepth, before?.at, at),
          readAt: at,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function perSecond(
  from: number | null | undefined,
  to: number | null,
  fromAt: number | undefined,
  toAt: number,
): number | null {
  if (from === null || from === undefined || to === null || fromAt === undefined) return null;
  const seconds = (toAt - fromAt) / 1000;
  return seconds > 0 ? (to - from) / seconds : null;
}
