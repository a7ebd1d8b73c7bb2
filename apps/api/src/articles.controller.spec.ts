import { Test, type TestingModule } from '@nestjs/testing';
import { InvalidTaskArgumentsError } from 'celeriac';
import { TaskQueueTester, TaskQueueTestingModule } from 'celeriac/testing';
import { incrReadTimes } from '@celeriac-demo/contracts';
import { ArticlesController } from './articles.controller.js';

describe('ArticlesController, a producer tested alone', () => {
  let moduleRef: TestingModule;
  let controller: ArticlesController;
  let queue: TaskQueueTester;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      // 'record': the API has no handlers; the test looks at what it sent.
      imports: [TaskQueueTestingModule.forRoot({ mode: 'record' })],
      controllers: [ArticlesController],
    }).compile();
    await moduleRef.init();
    controller = moduleRef.get(ArticlesController);
    queue = moduleRef.get(TaskQueueTester);
  });

  afterEach(() => moduleRef.close());

  it('sends one read count per read, and answers with its task id', async () => {
    const { taskId } = await controller.read('hello-world');
    expect(queue.sent({ task: incrReadTimes })).toEqual([
      expect.objectContaining({ id: taskId, args: ['hello-world'], queue: 'celery' }),
    ]);
  });

  it('refuses a bad slug before sending anything', async () => {
    await expect(controller.read('Not A Slug')).rejects.toThrow(InvalidTaskArgumentsError);
    expect(queue.sent()).toEqual([]);
  });
});
