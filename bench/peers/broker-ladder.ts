import amqplib, { type Options } from 'amqplib';
import type { BrokerAdmin } from '../broker-admin.js';
import { messageBody, messageOptions, unstampedCeleryOptions } from '../messages.js';
import { median, round } from '../stats.js';
import type { PeersConfig } from './config.js';
import type { Measure } from './rate-phases.js';

/**
 * Where the broker's cost per task comes from: the same confirmed, persistent enqueue of `tasks` messages,
 * from golevelup's message up to Celeriac's, one property at a time. Each rung adds one thing to the one
 * before; the broker's CPU per enqueued message (beam.smp, from /proc) is measured for each, so the
 * difference between two rungs is what that one thing costs RabbitMQ. The publisher is plain amqplib in
 * the orchestrator (only the broker's CPU is read here; the rate phases measure the clients).
 */
export interface LadderRung {
  readonly id: string;
  readonly label: string;
  readonly body: (sentAt: number) => Buffer;
  readonly options: (sentAt: number) => Options.Publish;
}

export const LADDER: readonly LadderRung[] = [
  {
    id: 'min',
    label: "golevelup's message: `{ sentAt }`, persistent (`raw-min`)",
    body: (t) => messageBody('min', t),
    options: (t) => messageOptions('min', t),
  },
  {
    id: 'mandatory',
    label: '+ `mandatory` (an unroutable task is returned, not dropped)',
    body: (t) => messageBody('min', t),
    options: () => ({ persistent: true, mandatory: true }),
  },
  {
    id: 'content',
    label: '+ content type and encoding (a Celery worker needs them to decode)',
    body: (t) => messageBody('min', t),
    options: () => messageOptions('bare', 0),
  },
  {
    id: 'body',
    label: "+ Celery's body `[args, kwargs, embed]` (`raw-bare`)",
    body: (t) => messageBody('bare', t),
    options: () => messageOptions('bare', 0),
  },
  {
    id: 'headers',
    label: "+ Celery's header table (`task`, `id`, `ignore_result`), correlation id, priority",
    body: (t) => messageBody('celery', t),
    options: (t) => unstampedCeleryOptions(t),
  },
  {
    id: 'stamp',
    label: "+ `timestamp_in_ms` (the worker's wait metric): Celeriac's message (`raw`)",
    body: (t) => messageBody('celery', t),
    options: (t) => messageOptions('celery', t),
  },
];

export interface LadderRow {
  readonly id: string;
  readonly label: string;
  /** Median over the repetitions. */
  readonly enqueuePerSecond: number;
  readonly brokerCpuUsPerTask: number;
  readonly brokerSamples: readonly number[];
}

async function enqueue(
  url: string,
  queue: string,
  rung: LadderRung,
  tasks: number,
  window: number,
): Promise<number> {
  const connection = await amqplib.connect(url, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    let returned = 0;
    channel.on('return', () => returned++);
    const started = performance.now();
    for (let sent = 0; sent < tasks; sent += window) {
      for (let i = 0; i < window && sent + i < tasks; i++) {
        const now = Date.now();
        channel.publish('', queue, rung.body(now), rung.options(now));
      }
      await channel.waitForConfirms();
    }
    const seconds = (performance.now() - started) / 1000;
    if (returned > 0) throw new Error(`${returned} ladder publishes to ${queue} were returned`);
    await channel.close();
    return tasks / seconds;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Every rung `reps` times, in the reverse order every other repetition; each on a fresh queue. */
export async function runBrokerLadder(
  url: string,
  admin: BrokerAdmin,
  runId: string,
  config: PeersConfig,
  measure: Measure,
  log: (line: string) => void,
): Promise<LadderRow[]> {
  const samples = new Map(
    LADDER.map((r) => [r.id, { rates: [] as number[], broker: [] as number[] }]),
  );
  for (let rep = 1; rep <= config.reps; rep++) {
    const order = rep % 2 === 1 ? LADDER : [...LADDER].reverse();
    for (const rung of order) {
      const queue = `${runId}-ladder-${rung.id}`;
      await admin.declare(queue);
      try {
        const [rate, cpu] = await measure(`ladder ${rung.id} ${rep}`, () =>
          enqueue(url, queue, rung, config.tasks, config.window),
        );
        await admin.expectDepth(queue, config.tasks);
        const s = samples.get(rung.id)!;
        s.rates.push(rate);
        s.broker.push((cpu.rabbitmqCpuSeconds * 1e6) / config.tasks);
      } finally {
        await admin.remove(queue);
      }
    }
    log(
      `ladder rep ${rep}/${config.reps}: ` +
        LADDER.map((r) => `${r.id} ${round(samples.get(r.id)!.broker.at(-1)!, 1)} µs`).join('  '),
    );
  }
  return LADDER.map((rung) => {
    const s = samples.get(rung.id)!;
    return {
      id: rung.id,
      label: rung.label,
      enqueuePerSecond: round(median(s.rates), 0),
      brokerCpuUsPerTask: round(median(s.broker), 1),
      brokerSamples: s.broker.map((x) => round(x, 1)),
    };
  });
}
