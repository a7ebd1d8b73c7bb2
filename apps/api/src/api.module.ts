import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { ArticlesController } from './articles.controller.js';

@Module({
  imports: [
    TaskQueueModule.forRootAsync({
      useFactory: () => ({
        url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      }),
    }),
  ],
  controllers: [ArticlesController],
})
export class ApiModule {}
