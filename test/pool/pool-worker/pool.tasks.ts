import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { Task, type TaskContext } from 'celeriac';

/** What every pool task returns: where and how it ran. */
export interface PoolTaskRun {
  readonly pid: number;
  readonly redelivered: boolean;
  readonly label: string;
}

/** Tasks that say which process ran them, and log when they start, so a test can kill that process. */
@Injectable()
export class PoolTasks {
  private readonly logger = new Logger(PoolTasks.name);

  @Task({ name: 'pool.run', params: ['label', 'ms'] })
  async run(label: string, ms: number, ctx: TaskContext): Promise<PoolTaskRun> {
    this.logger.log(`POOL-TASK-START ${label} pid=${process.pid} redelivered=${ctx.redelivered}`);
    if (ms > 0) await sleep(ms);
    this.logger.log(`POOL-TASK-DONE ${label} pid=${process.pid}`);
    return { pid: process.pid, redelivered: ctx.redelivered, label };
  }

  /** Ignores its signal and runs far past its hard time limit: only killing the process stops it. */
  @Task({ name: 'pool.runaway', timeLimit: 0.5 })
  async runaway(): Promise<string> {
    this.logger.log(`POOL-TASK-START runaway pid=${process.pid}`);
    await sleep(60_000);
    this.logger.log(`POOL-TASK-DONE runaway pid=${process.pid}`);
    return 'never';
  }
}
