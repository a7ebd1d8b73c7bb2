import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';

/** What the beat ledger counts: ticks expected by the schedule, sent (recorded), run, run twice, missed. */
export interface BeatLedger {
  readonly expected: number;
  readonly sent: number;
  readonly run: number;
  readonly doubled: readonly string[];
  readonly missed: readonly number[];
  readonly line: string;
}

/**
 * Compares the due times of a 1-second entry in `[from, to]` with the ticks recorded in the stream (`sent`)
 * and the ticks the worker ran (`runs`: one id per `done` row).
 */
export function beatLedger(
  label: string,
  expectedTimes: readonly number[],
  idOf: (scheduledAt: number) => string,
  sent: ReadonlySet<string>,
  runs: readonly string[],
): BeatLedger {
  const runCount = new Map<string, number>();
  for (const id of runs) runCount.set(id, (runCount.get(id) ?? 0) + 1);
  const doubled = [...runCount].filter(([, n]) => n > 1).map(([id]) => id);
  const missed = expectedTimes.filter((t) => !runCount.has(idOf(t)));
  const line =
    `${label}: expected ${expectedTimes.length}, sent ${sent.size}, run ${runCount.size}, ` +
    `doubled ${doubled.length}, missed ${missed.length}` +
    (missed.length > 0 ? ` (${missed.map((t) => new Date(t).toISOString()).join(', ')})` : '');
  return {
    expected: expectedTimes.length,
    sent: sent.size,
    run: runCount.size,
    doubled,
    missed,
    line,
  };
}

/** Tick id → scheduled time of every tick copy in the stream, read up to a marker of our own. */
export async function recordedTicks(
  url: string,
  stream: string,
): Promise<{ ticks: Map<string, number>; copies: number }> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const marker = randomUUID();
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(
        stream,
        Buffer.from('marker'),
        { headers: { 'test-marker': marker } },
        (err) => {
          if (err) reject(err instanceof Error ? err : new Error('nack'));
          else resolve();
        },
      );
    });
    await channel.prefetch(1_000);
    const ticks = new Map<string, number>();
    let copies = 0;
    await new Promise<void>((resolve) => {
      void channel.consume(
        stream,
        (msg) => {
          if (!msg) return;
          channel.ack(msg);
          const headers = msg.properties.headers ?? {};
          if (headers['test-marker'] === marker) resolve();
          const id: unknown = headers['id'];
          const at: unknown = headers['celeriac_beat_scheduled_at'];
          if (typeof id === 'string' && typeof at === 'string') {
            copies++;
            ticks.set(id, Date.parse(at));
          }
        },
        { arguments: { 'x-stream-offset': 'first' } },
      );
    });
    return { ticks, copies };
  } finally {
    await connection.close();
  }
}

/** The due times of a 1-second entry from the first recorded tick up to a second before `stoppedAt`. */
export function expectedSeconds(recorded: Iterable<number>, stoppedAt: number): number[] {
  const first = Math.min(...recorded, stoppedAt);
  const out: number[] = [];
  for (let t = first; t <= stoppedAt - 1_000; t += 1_000) out.push(t);
  return out;
}
