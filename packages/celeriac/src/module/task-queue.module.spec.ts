import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TaskClient } from '../client/task-client.js';
import { Task } from '../decorators/task.decorator.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { DuplicateTaskError } from '../errors/duplicate-task.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueModule } from './task-queue.module.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';

@Injectable()
class BillingTasks {
  @Task('billing.charge')
  charge(): string {
    return 'charged';
  }
}

@Injectable()
class LegacyBillingTasks {
  @Task('billing.charge')
  chargeAgain(): string {
    return 'twice';
  }
}

// These boot the module without a broker: connections open lazily, on the first send or listen.
describe('TaskQueueModule', () => {
  it('canary: the test transformer emits decorator metadata (Nest DI depends on it)', () => {
    expect(Reflect.getMetadata('design:paramtypes', TaskClient)).toEqual([
      Object,
      TaskQueueRuntime,
    ]);
  });

  it('discovers @Task() methods on providers', async () => {
    const app = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({})],
      providers: [BillingTasks],
    }).compile();
    await app.init();
    const registry = app.get(TaskRegistry);
    expect(registry.names()).toEqual(['billing.charge']);
    expect(registry.get('billing.charge')?.owner).toBe('BillingTasks.charge');
    await app.close();
  });

  it('fails the boot when two handlers claim one task name, naming both', async () => {
    const app = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({})],
      providers: [BillingTasks, LegacyBillingTasks],
    }).compile();
    const error: unknown = await app.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateTaskError);
    expect((error as Error).message).toContain('BillingTasks.charge');
    expect((error as Error).message).toContain('LegacyBillingTasks.chargeAgain');
    await app.close();
  });

  it('fails the boot on a bad option, naming the field and the value', async () => {
    const error: unknown = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({ worker: { concurrency: 0 } })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).field).toBe('worker.concurrency');
    expect((error as Error).message).toContain('0');
  });

  it('never shows a password in an option error', async () => {
    const error: unknown = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({ url: 'http://admin:s3cret@broker:5672' })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('resolves options from forRootAsync, and isGlobal is not taken for a queue option', async () => {
    const app = await Test.createTestingModule({
      imports: [
        TaskQueueModule.forRootAsync({
          isGlobal: true,
          useFactory: () =>
            Promise.resolve({ url: 'amqp://u:p@rabbit.internal:5672/prod', defaultQueue: 'jobs' }),
        }),
      ],
    }).compile();
    const options = app.get<ResolvedTaskQueueOptions>(RESOLVED_OPTIONS);
    expect(options.urls).toEqual(['amqp://u:p@rabbit.internal:5672/prod']);
    expect(options.defaultQueue).toBe('jobs');
    expect(options.worker.queues).toEqual(['jobs']);
    await app.close();
  });
});
