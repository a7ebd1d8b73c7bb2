import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { BrokerAdmin } from '../broker-admin.js';
import { delayPrefixOf } from '../celeriac.js';
import { sleep } from '../clock.js';
import { BULLMQ_PREFIX, redisConnection } from './bullmq.js';
import { SYSTEM_INFO, type SystemId } from './systems.js';

/**
 * Where one system's tasks wait, as the orchestrator sees it: declared before its agents start, counted
 * between phases (the check that no task was lost), deleted at the end of the run.
 */
export interface Backlog {
  readonly queue: string;
  /** Tasks not yet done: ready in the queue (AMQP), or waiting, active or delayed (BullMQ). */
  depth(): Promise<number>;
  remove(): Promise<void>;
}

/** Waits up to `ms` for the backlog to hold exactly `expected`; throws if it does not. */
export async function expectDepth(backlog: Backlog, expected: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  let depth = await backlog.depth();
  while (depth !== expected && Date.now() < deadline) {
    await sleep(50);
    depth = await backlog.depth();
  }
  if (depth !== expected) {
    throw new Error(`${backlog.queue} holds ${depth} tasks, expected ${expected}`);
  }
}

/** A RabbitMQ queue declared as Celeriac declares one (BrokerAdmin.declare), which every system accepts. */
class AmqpBacklog implements Backlog {
  constructor(
    private readonly admin: BrokerAdmin,
    readonly queue: string,
    private readonly delayPrefix: string | undefined,
  ) {}

  depth(): Promise<number> {
    return this.admin.depth(this.queue);
  }

  remove(): Promise<void> {
    return this.admin.remove(this.queue, this.delayPrefix);
  }
}

/** A BullMQ queue on Redis, under the benchmark's own key prefix. */
class BullmqBacklog implements Backlog {
  constructor(
    private readonly bull: Queue,
    readonly queue: string,
  ) {}

  async depth(): Promise<number> {
    const counts = await this.bull.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'waiting-children',
      'failed',
    );
    // A failed job is a lost task: the benchmark's processor never throws.
    if ((counts['failed'] ?? 0) > 0) throw new Error(`${counts['failed']} BullMQ jobs failed`);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async remove(): Promise<void> {
    await this.bull.obliterate({ force: true });
    await this.bull.close();
    // Whatever obliterate leaves (its events stream, the meta key) goes too: nothing of the run stays.
    const redis = new Redis(redisConnection());
    try {
      const pattern = `${BULLMQ_PREFIX}:${this.queue}:*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}

export async function createBacklog(
  system: SystemId,
  queue: string,
  admin: BrokerAdmin,
): Promise<Backlog> {
  if (SYSTEM_INFO[system].backend === 'redis') {
    const bull = new Queue(queue, { connection: redisConnection(), prefix: BULLMQ_PREFIX });
    await bull.waitUntilReady();
    return new BullmqBacklog(bull, queue);
  }
  await admin.declare(queue);
  return new AmqpBacklog(admin, queue, system === 'celeriac' ? delayPrefixOf(queue) : undefined);
}
