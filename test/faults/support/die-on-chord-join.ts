import { Redis } from 'ioredis';

/**
 * Arms a worker process to SIGKILL itself the moment a chord member is counted: Redis announces the SADD
 * to a chord's `.d` set (keyspace notifications, switched on here; only on the test's own Redis), which
 * happens in the same atomic step as the join, after the member's result was stored and before the
 * worker acks the member. So the broker redelivers a member whose result and count are already in Redis.
 */
export async function dieOnChordJoin(redisUrl: string): Promise<void> {
  const admin = new Redis(redisUrl);
  await admin.config('SET', 'notify-keyspace-events', 'Ks');
  admin.disconnect();
  const db = new URL(redisUrl).pathname.slice(1) || '0';
  const subscriber = new Redis(redisUrl);
  subscriber.on('pmessage', () => {
    process.kill(process.pid, 'SIGKILL');
  });
  await subscriber.psubscribe(`__keyspace@${db}__:celery-taskset-meta-*.d`);
}
