import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { GreetingController } from './greeting.controller.js';
import { taskQueueOptions } from './task-queue.config.js';

@Module({
  imports: [TaskQueueModule.forRoot(taskQueueOptions())],
  controllers: [GreetingController],
})
export class ApiModule {}
