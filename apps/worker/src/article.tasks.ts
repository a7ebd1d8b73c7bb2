import { Injectable, Logger } from '@nestjs/common';
import { Task, type TaskContext } from 'celeriac';
import { getReadTimes, incrReadTimes } from '@celeriac-demo/contracts';
import { ArticleRepository } from './article.repository.js';

/** The classic Celery example: count an article's reads in the background. */
@Injectable()
export class ArticleTasks {
  private readonly logger = new Logger(ArticleTasks.name);

  constructor(private readonly articles: ArticleRepository) {}

  @Task(incrReadTimes, { params: ['slug'] })
  incrReadTimes(slug: string, ctx: TaskContext): number {
    const reads = this.articles.increment(slug);
    this.logger.log(`Article "${slug}" read ${reads} time(s) [task ${ctx.id}]`);
    return reads;
  }

  @Task(getReadTimes, { params: ['slug'] })
  readTimes(slug: string): number {
    return this.articles.readTimesOf(slug);
  }
}
