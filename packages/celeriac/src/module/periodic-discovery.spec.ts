import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Periodic } from '../decorators/periodic.decorator.js';
import { Task } from '../decorators/task.decorator.js';
import { BeatService } from '../runtime/beat.service.js';
import { TaskQueueModule } from './task-queue.module.js';

@Injectable()
class ReportTasks {
  @Periodic('0 3 * * *', { timezone: 'Europe/Paris' })
  @Task('reports.nightly')
  nightly(): void {}

  @Periodic({ name: 'poll-eu', schedule: 30, args: ['eu'], missed: 'skip' })
  @Periodic({ name: 'poll-us', schedule: { every: 30, from: new Date(15_000) }, args: ['us'] })
  @Task({ name: 'feeds.poll', params: ['region'] })
  poll(): void {}
}

/** Boots the module (no broker: nothing connects until the beat starts) and returns the beat's entries. */
async function entries(options: Parameters<typeof TaskQueueModule.forRoot>[0], providers: never[]) {
  const app = await Test.createTestingModule({
    imports: [TaskQueueModule.forRoot(options)],
    providers,
  }).compile();
  try {
    await app.init();
    return app.get(BeatService).entries();
  } finally {
    await app.close();
  }
}

describe('@Periodic() discovery', () => {
  it('collects the module entries and every @Periodic(), named after the task unless named', async () => {
    const found = await entries(
      { beat: { schedule: { cleanup: { task: 'files.cleanup', schedule: 600 } } } },
      [ReportTasks as never],
    );
    expect(found.map((e) => [e.name, e.task])).toEqual([
      ['cleanup', 'files.cleanup'],
      ['reports.nightly', 'reports.nightly'],
      ['poll-eu', 'feeds.poll'],
      ['poll-us', 'feeds.poll'],
    ]);
    expect(found[1]?.schedule).toEqual({
      kind: 'cron',
      expression: '0 3 * * *',
      timezone: 'Europe/Paris',
    });
    expect(found[2]).toMatchObject({ args: ['eu'], missed: 'skip' });
    expect(found[3]?.schedule).toEqual({ kind: 'interval', everyMs: 30_000, anchorMs: 15_000 });
  });

  it('refuses an entry name declared both in the options and by @Periodic()', async () => {
    await expect(
      entries({ beat: { schedule: { 'poll-eu': { task: 'x', schedule: 1 } } } }, [
        ReportTasks as never,
      ]),
    ).rejects.toThrow(/beat\.schedule\.poll-eu.*@Periodic\(\)/);
  });

  it('refuses a bad @Periodic() schedule at boot, naming the handler', async () => {
    @Injectable()
    class BadSchedule {
      @Periodic('every day')
      @Task('bad.schedule')
      run(): void {}
    }
    await expect(entries({}, [BadSchedule as never])).rejects.toThrow(
      /@Periodic\(\) on BadSchedule\.run\.schedule/,
    );
  });

  it('refuses two @Periodic() with the same name', async () => {
    @Injectable()
    class Twice {
      @Periodic(1)
      @Periodic(2)
      @Task('twice')
      run(): void {}
    }
    await expect(entries({}, [Twice as never])).rejects.toThrow(/entry name "twice" is taken/);
  });
});
