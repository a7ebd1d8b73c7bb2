import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { TaskDashboardModule } from 'celeriac/dashboard';
import { GreetingController } from './greeting.controller.js';
import { taskQueueOptions } from './task-queue.config.js';

@Module({
  imports: [
    TaskQueueModule.forRoot(taskQueueOptions()),
    // Unguarded: read-only, and only on this machine.
    TaskDashboardModule.register({ path: 'tasks' }),
  ],
  controllers: [GreetingController],
})
export class ApiModule {}
