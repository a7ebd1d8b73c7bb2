import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { InteropTasks } from './interop.tasks.js';

const queue = process.env['CELERY_QUEUE'] ?? 'celery';

/** `npm run interop:worker`: a Nest worker any Celery client can call, on $CELERY_QUEUE. */
@Module({
  imports: [
    TaskQueueModule.forRoot({
      url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      defaultQueue: queue,
      // The interop cases send a 1 MiB string; JSON framing takes it just past the 1 MiB default.
      maxPayloadBytes: 4 * 1024 * 1024,
      worker: { queues: [queue], concurrency: 10 },
    }),
  ],
  providers: [InteropTasks],
})
export class InteropWorkerModule {}
