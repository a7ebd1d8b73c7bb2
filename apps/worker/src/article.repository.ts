import { Injectable } from '@nestjs/common';

/**
 * Where the demo keeps read counts. A real app would use its database; the demo keeps them in the
 * worker's memory so it needs nothing but RabbitMQ (run one worker to see consistent counts).
 */
@Injectable()
export class ArticleRepository {
  private readonly readTimes = new Map<string, number>();

  increment(slug: string): number {
    const next = (this.readTimes.get(slug) ?? 0) + 1;
    this.readTimes.set(slug, next);
    return next;
  }

  readTimesOf(slug: string): number {
    return this.readTimes.get(slug) ?? 0;
  }
}
