import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { GreetingTasks } from './greeting.tasks.js';
import { taskQueueOptions } from './task-queue.config.js';

@Module({
  imports: [TaskQueueModule.forRoot(taskQueueOptions())],
  providers: [GreetingTasks],
})
export class WorkerModule {}
