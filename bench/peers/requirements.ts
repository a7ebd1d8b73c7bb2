import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../report.js';
import type { RedisAddress } from './bullmq.js';
import { CELERY_PYTHON } from './celery.js';
import type { SystemId } from './systems.js';

function redisAnswers(address: RedisAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('connect', () => {
      socket.write(
        address.password === undefined ? 'PING\r\n' : `AUTH ${address.password}\r\nPING\r\n`,
      );
    });
    socket.on('data', (data) => {
      if (data.toString().includes('+PONG')) done(true);
      else if (data.toString().startsWith('-')) done(false);
    });
  });
}

/** A missing piece of the machine, said with what to do: printed without a stack. */
export class RequirementsError extends Error {
  override readonly name = 'RequirementsError';
}

/**
 * What the chosen systems need besides RabbitMQ, checked before anything starts so that a missing piece
 * fails the run at once with what to do, instead of a hung or half run.
 */
export async function checkRequirements(
  systems: readonly SystemId[],
  redis: RedisAddress,
): Promise<void> {
  const problems: string[] = [];
  const agent = join(repoRoot(), 'dist/bench/bench/agent.js');
  if (
    systems.some((s) => s === 'raw-bare' || s === 'raw' || s === 'celeriac') &&
    !existsSync(agent)
  ) {
    problems.push(
      `${agent} is missing: build it with 'npx nest build bench' (npm run bench:peers does).`,
    );
  }
  if (systems.includes('bullmq') && !(await redisAnswers(redis))) {
    problems.push(
      `BullMQ needs a Redis at ${redis.host}:${redis.port} (REDIS_URL), and none answers: start one, e.g. ` +
        `'redis-server --daemonize yes --bind 127.0.0.1 --port ${redis.port} --save "" --appendonly no'.`,
    );
  }
  if (
    systems.includes('celery') &&
    spawnSync(CELERY_PYTHON, ['-c', 'import celery'], { stdio: 'ignore' }).status !== 0
  ) {
    problems.push(
      `Python Celery needs ${CELERY_PYTHON} to import celery: 'apt-get install -y python3-celery' ` +
        `(Debian's 5.2.6), or point CELERY_PYTHON at a Python that has it.`,
    );
  }
  if (problems.length > 0) {
    throw new RequirementsError(`npm run bench:peers cannot start:\n- ${problems.join('\n- ')}`);
  }
}
