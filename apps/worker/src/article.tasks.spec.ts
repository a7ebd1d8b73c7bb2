import { Test, type TestingModule } from '@nestjs/testing';
import { TaskClient, TaskFailedError, signature } from 'celeriac';
import { TaskQueueTester, TaskQueueTestingModule } from 'celeriac/testing';
import { getReadTimes, incrReadTimes, indexArticle } from '@celeriac-demo/contracts';
import { ArticleRepository } from './article.repository.js';
import { ArticleTasks } from './article.tasks.js';
import { SearchIndex, SearchUnavailable } from './search-index.js';

/** Search that is down for the first `outages` calls, then up. */
class FlakySearch extends SearchIndex {
  calls = 0;

  constructor(public outages: number) {
    super();
  }

  override update(slug: string, reads: number): void {
    this.calls += 1;
    if (this.calls <= this.outages) throw new SearchUnavailable('search is down');
    super.update(slug, reads);
  }
}

describe('ArticleTasks, run in memory by the test mode', () => {
  let moduleRef: TestingModule;
  let tasks: TaskClient;
  let queue: TaskQueueTester;
  let search: FlakySearch;

  beforeEach(async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T09:00:00Z') });
    search = new FlakySearch(2);
    moduleRef = await Test.createTestingModule({
      imports: [TaskQueueTestingModule.forRoot()],
      providers: [ArticleRepository, ArticleTasks, { provide: SearchIndex, useValue: search }],
    }).compile();
    await moduleRef.init();
    tasks = moduleRef.get(TaskClient);
    queue = moduleRef.get(TaskQueueTester);
  });

  afterEach(async () => {
    await moduleRef.close();
    vi.useRealTimers();
  });

  it('counts reads', async () => {
    await tasks.send(incrReadTimes, ['hello-world']);
    const second = await tasks.send(incrReadTimes, ['hello-world']);
    await queue.runAll();
    await expect(second.get()).resolves.toBe(2);
  });

  it('retries indexing with backoff while search is down', async () => {
    const result = await tasks.send(indexArticle, [3, 'hello-world']);
    await queue.runAll();
    expect(result.state).toBe('RETRY');
    // retryBackoff: 1 → the first retry 1 s later, the second 2 s after that.
    expect(queue.sent({ task: indexArticle })[0]?.eta).toEqual(new Date('2026-12-04T09:00:01Z'));
    vi.advanceTimersByTime(1_000);
    await queue.runAll();
    expect(queue.sent({ task: indexArticle })[0]?.eta).toEqual(new Date('2026-12-04T09:00:03Z'));
    vi.advanceTimersByTime(2_000);
    await queue.runAll();
    await expect(result.get()).resolves.toBe('hello-world ranked by 3 read(s)');
    expect(search.calls).toBe(3);
  });

  it('runs a countdown only once its time has come', async () => {
    const result = await tasks.send(getReadTimes, ['hello-world'], {}, { countdown: 30 });
    expect(await queue.runAll()).toEqual([]);
    vi.advanceTimersByTime(30_000);
    await queue.runAll();
    await expect(result.get()).resolves.toBe(0);
  });

  it('chains a read into indexing, with the new count first', async () => {
    search.outages = 0;
    const last = await tasks.chain<string>([
      signature(incrReadTimes, ['hello-world']),
      signature(indexArticle, ['hello-world']),
    ]);
    await queue.runAll();
    await expect(last.get()).resolves.toBe('hello-world ranked by 1 read(s)');
  });

  it('refuses a bad slug from any sender: FAILURE, dead-lettered, handler not run', async () => {
    // By name, as a Python client or an old producer would send it: the client cannot check it.
    const result = await tasks.send('articles.incr_read_times', ['Not A Slug']);
    await queue.runAll();
    const error = await result.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).excType).toBe('ValidationError');
    expect(queue.deadLetters().map((t) => t.id)).toEqual([result.id]);
    expect(moduleRef.get(ArticleRepository).readTimesOf('not-a-slug')).toBe(0);
  });
});
