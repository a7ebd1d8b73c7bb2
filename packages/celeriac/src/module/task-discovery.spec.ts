import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { defineTask } from '../task/task-ref.js';
import { Task } from '../decorators/task.decorator.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { TaskQueueModule } from './task-queue.module.js';
import { TaskRegistry } from '../discovery/task-registry.js';

class Transient extends Error {}

const chargeRef = defineTask<[orderId: string], string>('billing.charge_ref');

@Injectable()
class RetryingTasks {
  @Task({
    name: 'billing.charge',
    maxRetries: 5,
    autoretryFor: [Transient],
    retryBackoff: 2,
    retryBackoffMax: 60,
    retryJitter: false,
    defaultRetryDelay: 10,
  })
  charge(): string {
    return 'charged';
  }

  @Task(chargeRef, { maxRetries: null, autoretryFor: [Transient] })
  chargeRef(orderId: string): string {
    return orderId;
  }

  @Task('billing.plain')
  plain(): string {
    return 'plain';
  }
}

/** Boots the module with one provider whose @Task has `options`; returns what the boot threw. */
async function bootError(options: Record<string, unknown>): Promise<unknown> {
  @Injectable()
  class BadTasks {
    @Task({ name: 'billing.bad', ...options })
    refund(): string {
      return 'refunded';
    }
  }
  const app = await Test.createTestingModule({
    imports: [TaskQueueModule.forRoot({})],
    providers: [BadTasks],
  }).compile();
  const error: unknown = await app.init().catch((e: unknown) => e);
  await app.close();
  return error;
}

// Boots the module without a broker: connections open lazily, on the first send or listen.
describe('TaskExplorer: retry options', () => {
  it('registers each task with its retry policy, defaults applied', async () => {
    const app = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot({})],
      providers: [RetryingTasks],
    }).compile();
    await app.init();
    const registry = app.get(TaskRegistry);
    expect(registry.get('billing.charge')?.retry).toEqual({
      maxRetries: 5,
      autoretryFor: [Transient],
      backoff: 2,
      backoffMax: 60,
      jitter: false,
      defaultRetryDelay: 10,
    });
    expect(registry.get('billing.charge_ref')?.retry).toMatchObject({
      maxRetries: null,
      autoretryFor: [Transient],
    });
    expect(registry.get('billing.plain')?.retry).toMatchObject({
      maxRetries: 3,
      autoretryFor: [],
      backoff: null,
      defaultRetryDelay: 180,
    });
    await app.close();
  });

  it.each([
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ retryBackoff: 'fast' }, 'retryBackoff'],
    [{ autoretryFor: ['Error'] }, 'autoretryFor[0]'],
    [{ retryJitter: 1 }, 'retryJitter'],
    [{ maxRetry: 3 }, 'maxRetry'],
  ])('fails the boot on %o, naming Class.method and %s', async (options, field) => {
    const error = await bootError(options);
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as InvalidTaskOptionsError).field).toBe(field);
    expect((error as Error).message).toContain('BadTasks.refund');
    expect((error as Error).message).toContain(`"${field}"`);
  });
});
