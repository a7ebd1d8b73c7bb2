import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { InteropTasks } from './interop.tasks.js';

const queue = process.env['CELERY_QUEUE'] ?? 'celery';
/** As Celery apps commonly read it: `redis://127.0.0.1:6379/0` stores results in Redis (and allows chords). */
const resultBackend = process.env['CELERY_RESULT_BACKEND'] || 'rpc://';

/** `npm run interop:worker`: a Nest worker any Celery client can call, on $CELERY_QUEUE. */
@Module({
  imports: [
    TaskQueueModule.forRoot({
      url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      defaultQueue: queue,
      // The interop cases send a 1 MiB string; JSON framing takes it just past the 1 MiB default.
      maxPayloadBytes: 4 * 1024 * 1024,
      resultBackend,
      worker: { queues: [queue], concurrency: 10 },
    }),
  ],
  providers: [InteropTasks],
})
export class InteropWorkerModule {}
