import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { PoolTasks } from './pool.tasks.js';

/** `POOL_FAIL_BOOT`: `crash` makes boot throw, `options` gives the module a bad option. */
const failBoot = process.env['POOL_FAIL_BOOT'];

/**
 * The worker the pool suite runs as real processes (`nest build pool-worker`). Queues, concurrency and pool
 * come from the command line; the environment keeps the suite's broker names apart and breaks the boot
 * on request.
 */
@Module({
  imports: [
    TaskQueueModule.forRoot({
      url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      // The suite's own queue, so that nothing declares the shared `celery` queue.
      defaultQueue: process.env['POOL_QUEUE'] ?? 'celery',
      ...(process.env['POOL_DELAY_PREFIX']
        ? { delayPrefix: process.env['POOL_DELAY_PREFIX'] }
        : {}),
      ...(failBoot === 'options' ? { heartbeatSeconds: 0 } : {}),
      worker: { concurrency: 10 },
    }),
  ],
  providers: [
    PoolTasks,
    {
      provide: 'POOL_BOOT_CHECK',
      useFactory: () => {
        if (failBoot === 'crash') throw new Error('boot failure requested by POOL_FAIL_BOOT=crash');
        return true;
      },
    },
  ],
})
export class PoolWorkerModule {}
