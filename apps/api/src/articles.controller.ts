import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { TaskClient } from 'celeriac';
import { getReadTimes, incrReadTimes } from '@celeriac-demo/contracts';

@Controller('articles')
export class ArticlesController {
  constructor(private readonly tasks: TaskClient) {}

  /** Records a read in the background (Celery's `incr_read_times.delay(slug)`); answers at once. */
  @Post(':slug/reads')
  @HttpCode(202)
  async read(@Param('slug') slug: string): Promise<{ taskId: string }> {
    const result = await this.tasks.send(incrReadTimes, [slug], {}, { ignoreResult: true });
    return { taskId: result.id };
  }

  /** Asks a worker for the count and waits for its result. */
  @Get(':slug/reads')
  async readTimes(@Param('slug') slug: string): Promise<{ slug: string; reads: number }> {
    const result = await this.tasks.send(getReadTimes, [slug]);
    return { slug, reads: await result.get({ timeoutMs: 5_000 }) };
  }
}
