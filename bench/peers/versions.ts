import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { collectVersions } from '../report.js';
import type { RedisAddress } from './bullmq.js';
import { CELERY_PYTHON } from './celery.js';

/** This folder's node_modules, where the peers' packages are. */
const PEERS_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

function peerVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${PEERS_MODULES}${name}/package.json`, 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

async function redisVersion(address: RedisAddress): Promise<string> {
  const redis = new Redis({ ...address, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  } catch {
    return '?';
  } finally {
    redis.disconnect();
  }
}

/** How this Redis keeps data: BullMQ's "enqueued" is as durable as this says. */
export async function redisPersistence(address: RedisAddress): Promise<string> {
  const redis = new Redis({ ...address, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const setting = async (name: string): Promise<string> =>
      (await redis.config('GET', name))[1] ?? '?';
    const aof = await setting('appendonly');
    const fsync = await setting('appendfsync');
    const save = await setting('save');
    return aof === 'yes'
      ? `append-only file, fsync ${fsync}; snapshots "${save}"`
      : `no append-only file; snapshots ${save === '' ? 'off' : `"${save}"`}`;
  } catch {
    return 'unknown (CONFIG GET refused)';
  } finally {
    redis.disconnect();
  }
}

function celeryVersion(): string {
  try {
    return execFileSync(CELERY_PYTHON, ['-c', 'import celery; print(celery.__version__)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return '?';
  }
}

/** `npm run bench`'s versions, and the peers': their packages, Redis and Python Celery. */
export async function peersVersions(
  server: { version: string; platform: string },
  redis: RedisAddress,
): Promise<Record<string, string>> {
  return {
    ...collectVersions(server),
    '@golevelup/nestjs-rabbitmq': peerVersion('@golevelup/nestjs-rabbitmq'),
    'amqplib (golevelup)': peerVersion('amqplib'),
    bullmq: peerVersion('bullmq'),
    ioredis: peerVersion('ioredis'),
    redis: await redisVersion(redis),
    celery: celeryVersion(),
  };
}
