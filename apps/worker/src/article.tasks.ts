import { Injectable, Logger } from '@nestjs/common';
import { Task, type TaskContext } from 'celeriac';
import { getReadTimes, incrReadTimes, indexArticle } from '@celeriac-demo/contracts';
import { ArticleRepository } from './article.repository.js';
import { SearchIndex, SearchUnavailable } from './search-index.js';

/** The classic Celery example: count an article's reads in the background. */
@Injectable()
export class ArticleTasks {
  private readonly logger = new Logger(ArticleTasks.name);

  constructor(
    private readonly articles: ArticleRepository,
    private readonly search: SearchIndex,
  ) {}

  @Task(incrReadTimes)
  incrReadTimes(slug: string, ctx: TaskContext): number {
    const reads = this.articles.increment(slug);
    this.logger.log(`Article "${slug}" read ${reads} time(s) [task ${ctx.id}]`);
    return reads;
  }

  @Task(getReadTimes)
  readTimes(slug: string): number {
    return this.articles.readTimesOf(slug);
  }

  /** Tells search how often the article was read; retried with backoff while search is down. */
  @Task(indexArticle, {
    autoretryFor: [SearchUnavailable],
    retryBackoff: 1,
    retryJitter: false,
    maxRetries: 5,
  })
  index(reads: number, slug: string): string {
    this.search.update(slug, reads);
    return `${slug} ranked by ${reads} read(s)`;
  }
}
