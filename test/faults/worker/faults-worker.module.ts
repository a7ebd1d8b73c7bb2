import { Module } from '@nestjs/common';
import { TaskQueueModule, type BeatEntryOptions } from 'celeriac';
import { FaultTasks, LEDGER } from '../support/fault-tasks.js';
import { FileLedger } from '../support/ledger.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`faults-worker needs $${name}`);
  return value;
}

/**
 * The fault suite's worker process (F5, F6): `FaultTasks` on $FAULTS_QUEUE, writing the ledger to
 * $FAULTS_LEDGER, so a test can SIGKILL or SIGTERM a real worker and still see what it did.
 */
@Module({
  imports: [
    TaskQueueModule.forRoot({
      url: env('RABBITMQ_URL'),
      defaultQueue: env('FAULTS_QUEUE'),
      reconnectDelayMs: 500,
      // The result-backend faults point it at a Redis of their own.
      resultBackend: process.env['FAULTS_RESULT_BACKEND'] || 'rpc://',
      worker: {
        queues: [env('FAULTS_QUEUE')],
        concurrency: Number(process.env['FAULTS_CONCURRENCY'] ?? 2),
        shutdownGraceMs: Number(process.env['FAULTS_GRACE_MS'] ?? 10_000),
        // F15 with workers: each one is also a beat replica (-B), with the schedule given as JSON.
        beat: process.env['FAULTS_BEAT_SCHEDULE'] !== undefined,
      },
      ...(process.env['FAULTS_BEAT_SCHEDULE'] !== undefined
        ? {
            beat: {
              prefix: env('FAULTS_BEAT_PREFIX'),
              schedule: JSON.parse(env('FAULTS_BEAT_SCHEDULE')) as Record<string, BeatEntryOptions>,
            },
          }
        : {}),
    }),
  ],
  providers: [
    FaultTasks,
    { provide: LEDGER, useFactory: () => new FileLedger(env('FAULTS_LEDGER')) },
  ],
})
export class FaultsWorkerModule {}
