import { Redis } from 'ioredis';

/**
 * The Redis the result-backend suites use. Its own database number by default, so the keys of these tests
 * never mix with another app's; every test uses fresh ids and deletes what it wrote.
 */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/14';

/** A plain client for looking at what Celeriac or Celery stored. */
export function redisProbe(url: string = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
}

/** Deletes every key that starts with one of these prefixes (celery-task-meta-<id>, …). */
export async function deleteKeys(redis: Redis, ...patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  }
}
