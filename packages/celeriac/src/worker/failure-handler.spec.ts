import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';
import { PublishError } from '../errors/publish.error.js';
import type { ThrownException } from '../message/exception-info.js';
import type { TaskState } from '../message/result-message.js';
import type { TaskMessage } from '../message/task-message.js';
import type { ResolvedQueue, RouteTarget } from '../options/task-queue-options.js';
import { FailureHandler } from './failure-handler.js';
import type { Delivery } from '../transport/queue-consumer.js';
import { checkRetryOptions } from '../task/retry-options.js';
import { resolveRetryPolicy, type RetryPolicy } from '../task/retry-policy.js';
import { TaskRetryError } from '../errors/task-retry.error.js';
import type { DeadLetterNote } from '../results/task-reporter.js';

class Flaky extends Error {
  override readonly name = 'Flaky';
}

const message: TaskMessage = {
  id: 'id-1',
  task: 'demo.flaky',
  args: [1],
  kwargs: {},
  embed: { callbacks: null, errbacks: null, chain: null, chord: null },
  rootId: 'root-1',
  parentId: null,
  groupId: null,
  groupIndex: null,
  shadow: null,
  eta: null,
  expires: null,
  retries: 0,
  timeLimit: { hard: null, soft: null },
  ignoreResult: false,
  origin: 'gen1@client',
  lang: 'js',
  extraHeaders: { 'x-tenant': 'acme', 'x-death': [], 'x-celeriac-reason': 'old' },
  correlationId: 'id-1',
  replyTo: 'replies',
  priority: 5,
};

/** Records everything the handler tells the broker, in order. */
class World {
  readonly events: string[] = [];
  readonly published: { message: TaskMessage; route: RouteTarget }[] = [];
  readonly replies: { state: TaskState; failure: ThrownException | null }[] = [];
  readonly deadLetters: DeadLetterNote[] = [];
  publishFails: Error | null = null;

  handler(policy: RetryPolicy): FailureHandler {
    return new FailureHandler(
      {
        reply: (
          _m: TaskMessage,
          state: TaskState,
          _v: unknown,
          failure: ThrownException | null,
        ) => {
          this.events.push(`reply ${state}`);
          this.replies.push({ state, failure });
          return Promise.resolve();
        },
        deadLetter: (_d: Delivery, note: DeadLetterNote) => {
          this.events.push('dead-letter');
          this.deadLetters.push(note);
          return Promise.resolve();
        },
        requeueAfterBrokerError: (d: Delivery) => {
          this.events.push('requeue-after-error');
          d.requeue();
        },
      },
      {
        afterFailure: () => {
          this.events.push('link_error');
          return Promise.resolve([]);
        },
      },
      {
        tasks: {
          publish: (copy: TaskMessage, route: RouteTarget) => {
            if (this.publishFails) return Promise.reject(this.publishFails);
            this.events.push('publish copy');
            this.published.push({ message: copy, route });
            return Promise.resolve();
          },
        },
        origin: 'gen9@worker',
        policyOf: () => policy,
        random: () => 0.5,
      },
    );
  }

  delivery(exchange = '', routingKey = 'work'): Delivery {
    return {
      message: {
        content: Buffer.from('[]'),
        fields: { exchange, routingKey, redelivered: false, deliveryTag: 1, consumerTag: 'c' },
        properties: { headers: {} },
      } as unknown as ConsumeMessage,
      queue: { name: 'work' } as ResolvedQueue,
      stale: false,
      ack: () => this.events.push('ack'),
      requeue: () => this.events.push('requeue'),
    };
  }
}

const autoretry = resolveRetryPolicy(
  { autoretryFor: [Flaky], retryBackoff: 0.5, retryJitter: false, maxRetries: 2 },
  'Demo.flaky',
);

describe('FailureHandler', () => {
  // The handler logs every retry and failure; these tests look at what it does, not at the log.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('retry: publishes the copy first, then RETRY, then acks', async () => {
    const world = new World();
    const before = Date.now();
    const outcome = await world
      .handler(autoretry)
      .afterThrow(world.delivery(), { ...message, retries: 1 }, new Flaky('boom'));
    expect(outcome).toBe('retried');
    expect(world.events).toEqual(['publish copy', 'reply RETRY', 'ack']);
    const [sent] = world.published;
    expect(sent?.message).toMatchObject({
      id: 'id-1',
      correlationId: 'id-1',
      replyTo: 'replies',
      rootId: 'root-1',
      args: [1],
      retries: 2,
      parentId: 'id-1',
      origin: 'gen9@worker',
      priority: 5,
      extraHeaders: { 'x-tenant': 'acme' },
    });
    // 0.5 * 2^1 = 1 s of backoff.
    const eta = sent?.message.eta?.getTime() ?? 0;
    expect(eta).toBeGreaterThanOrEqual(before + 1_000);
    expect(eta).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(sent?.route).toEqual({ queue: 'work', exchange: '', routingKey: 'work' });
    expect(world.replies[0]?.failure?.info).toEqual({
      excType: 'Flaky',
      excModule: 'celeriac',
      excMessage: ['boom'],
    });
  });

  it('retry of a message that came through an exchange goes back to that exchange and key', async () => {
    const world = new World();
    await world
      .handler(autoretry)
      .afterThrow(world.delivery('media', 'media.video'), message, new Flaky('x'));
    expect(world.published[0]?.route).toEqual({
      queue: 'work',
      exchange: 'media',
      routingKey: 'media.video',
    });
  });

  it('a broker error on the copy requeues the original and acks nothing', async () => {
    const world = new World();
    world.publishFails = new PublishError('the copy', 'timeout');
    const outcome = await world
      .handler(autoretry)
      .afterThrow(world.delivery(), message, new Flaky('x'));
    expect(outcome).toBe('requeued');
    expect(world.events).toEqual(['requeue-after-error', 'requeue']);
  });

  it('a copy that can never be published fails the task instead of looping', async () => {
    const world = new World();
    world.publishFails = new PayloadTooLargeError('demo.flaky', 2_000_000, 1_048_576);
    const outcome = await world
      .handler(autoretry)
      .afterThrow(world.delivery(), message, new Flaky('x'));
    expect(outcome).toBe('failed');
    expect(world.events).toEqual(['reply FAILURE', 'link_error', 'dead-letter', 'ack']);
  });

  it('out of retries: FAILURE with the error, a dead letter counting every attempt', async () => {
    const world = new World();
    const outcome = await world
      .handler(autoretry)
      .afterThrow(world.delivery(), { ...message, retries: 2 }, new Flaky('last'));
    expect(outcome).toBe('failed');
    expect(world.events).toEqual(['reply FAILURE', 'link_error', 'dead-letter', 'ack']);
    expect(world.replies[0]?.failure?.info.excType).toBe('Flaky');
    expect(world.deadLetters[0]).toMatchObject({ reason: 'task-failed', retries: 2 });
    expect(world.deadLetters[0]?.detail).toContain('gave up after 3 attempts');
  });

  it('ctx.retry() without exc and no retries left: MaxRetriesExceededError', async () => {
    const world = new World();
    const retry = new TaskRetryError(checkRetryOptions({ countdown: 1 }));
    await world.handler(autoretry).afterThrow(world.delivery(), { ...message, retries: 2 }, retry);
    expect(world.replies[0]?.failure?.info).toMatchObject({
      excType: 'MaxRetriesExceededError',
      excModule: 'celery.exceptions',
    });
  });

  it("ctx.retry() without exc reports Celery's Retry in the RETRY state", async () => {
    const world = new World();
    const retry = new TaskRetryError(checkRetryOptions({ countdown: 0.25 }));
    await world.handler(autoretry).afterThrow(world.delivery(), message, retry);
    expect(world.replies[0]).toEqual({
      state: 'RETRY',
      failure: {
        info: { excType: 'Retry', excModule: 'celery.exceptions', excMessage: ['Retry in 0.25s'] },
        traceback: null,
      },
    });
  });

  it('NonRetryableError fails at once even when autoretryFor matches it', async () => {
    const world = new World();
    const policy = resolveRetryPolicy({ autoretryFor: [Error] }, 'Demo.flaky');
    const outcome = await world
      .handler(policy)
      .afterThrow(world.delivery(), message, new NonRetryableError('gone'));
    expect(outcome).toBe('failed');
    expect(world.published).toEqual([]);
    expect(world.replies[0]?.failure?.info.excType).toBe('NonRetryableError');
  });
});
