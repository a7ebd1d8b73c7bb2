import { Module } from '@nestjs/common';
import { TaskQueueModule } from 'celeriac';
import { ArticleRepository } from './article.repository.js';
import { ArticleTasks } from './article.tasks.js';
import { SearchIndex } from './search-index.js';

@Module({
  imports: [
    TaskQueueModule.forRoot({
      url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
      worker: { queues: (process.env['CELERY_QUEUES'] ?? 'celery').split(','), concurrency: 10 },
    }),
  ],
  providers: [ArticleRepository, ArticleTasks, SearchIndex],
})
export class WorkerModule {}
