import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { TaskDashboardModule } from 'celeriac/dashboard';
import { TaskQueueMetricsModule } from 'celeriac/metrics';
import { GreetingController } from './greeting.controller.js';
import { taskQueueOptions } from './task-queue.config.js';

@Module({
  imports: [
    TaskQueueModule.forRoot({ ...taskQueueOptions(), isGlobal: true }),
    // Unguarded: read-only, and only on this machine.
    TaskDashboardModule.register({ path: 'tasks' }),
    // The optional `celeriac/metrics` entry, with prom-client installed beside it.
    TaskQueueMetricsModule.forRoot(),
  ],
  controllers: [GreetingController],
})
export class ApiModule {}
