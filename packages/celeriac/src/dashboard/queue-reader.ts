import type { Channel } from 'amqplib';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { deadLetterQueueName } from '../options/queue-declarations.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { QueueReading } from './queue-board.js';

/** AMQP reply code of a passive declare of a queue that does not exist. */
const NOT_FOUND = 404;

/**
 * Reads queue depths with passive declares on the consuming connection (never the publishing one, where
 * sends go), on one channel per round. A missing queue closes the channel it was asked on, so the next
 * question gets a fresh one.
 */
export async function readQueues(
  runtime: TaskQueueRuntime,
  connectTimeoutMs: number,
  names: readonly string[],
): Promise<QueueReading[]> {
  const connection = runtime.connections.get('consume');
  await connection.waitForConnect(connectTimeoutMs);
  const model = connection.current;
  if (!model) throw new IllegalStateError('Not connected to the broker; try again');
  let channel: Channel | null = null;
  const check = async (queue: string): Promise<{ depth: number; consumers: number } | null> => {
    if (!channel) {
      channel = await model.createChannel();
      channel.on('error', () => undefined);
    }
    try {
      const ok = await channel.checkQueue(queue);
      return { depth: ok.messageCount, consumers: ok.consumerCount };
    } catch (err: unknown) {
      channel = null;
      if ((err as { code?: unknown }).code === NOT_FOUND) return null;
      throw err;
    }
  };
  try {
    const readings: QueueReading[] = [];
    for (const name of names) {
      const queue = await check(name);
      const dead = await check(deadLetterQueueName(name));
      readings.push({
        name,
        depth: queue?.depth ?? null,
        consumers: queue?.consumers ?? null,
        deadDepth: dead?.depth ?? null,
      });
    }
    return readings;
  } finally {
    const open = channel as Channel | null;
    await open?.close().catch(() => undefined);
  }
}
