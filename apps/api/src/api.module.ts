import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { TaskDashboardModule } from 'celeriac/dashboard';
import { ArticlesController } from './articles.controller.js';

@Module({
  imports: [
    TaskQueueModule.forRootAsync({
      useFactory: () => ({
        url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      }),
    }),
    // The dashboard at /tasks. No guard here, so it is read-only and answers only on this machine;
    // a real app passes its admin guard: TaskDashboardModule.register({ path: 'tasks', guards: [AdminGuard] }).
    TaskDashboardModule.register({ path: 'tasks' }),
  ],
  controllers: [ArticlesController],
})
export class ApiModule {}
