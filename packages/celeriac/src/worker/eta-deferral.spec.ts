import type { ConsumeMessage } from 'amqplib';
import { taskMessage } from '../../spec-support/task-message.js';
import type { DelayDestination } from '../delays/delay-scheduler.js';
import type { OutgoingMessage } from '../message/amqp-message.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';
import type { Rejection } from '../results/task-reporter.js';
import type { Delivery } from '../transport/queue-consumer.js';
import { deferToDelayCascade } from './eta-deferral.js';

const ETA = new Date('2026-01-01T13:00:00Z');

/** Records, in order, what the deferral does with the scheduler, the reporter and the delivery. */
class World {
  readonly events: string[] = [];
  readonly scheduled: { message: OutgoingMessage; destination: DelayDestination; etaMs: number }[] =
    [];
  readonly rejections: Rejection[] = [];
  scheduleFails: Error | null = null;

  readonly delays = {
    schedule: (
      message: OutgoingMessage,
      destination: DelayDestination,
      etaMs: number,
    ): Promise<boolean> => {
      if (this.scheduleFails) return Promise.reject(this.scheduleFails);
      this.events.push('schedule');
      this.scheduled.push({ message, destination, etaMs });
      return Promise.resolve(true);
    },
  };

  readonly reporter = {
    reject: (_d: Delivery, r: Rejection): Promise<void> => {
      this.events.push('reject');
      this.rejections.push(r);
      return Promise.resolve();
    },
    requeueAfterBrokerError: (d: Delivery): void => {
      this.events.push('requeue-after-error');
      d.requeue();
    },
  };

  delivery(exchange: string, routingKey: string): Delivery {
    return {
      message: {
        content: Buffer.from('[[], {}, {}]'),
        fields: { exchange, routingKey, redelivered: false, deliveryTag: 1, consumerTag: 'c' },
        properties: {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          headers: {
            task: 'demo.add',
            eta: ETA.toISOString(),
            'x-celeriac-delay-exchange': 'old',
            'x-celeriac-delay-routing-key': 'old',
            'x-death': [{ count: 1 }],
          },
        },
      } as unknown as ConsumeMessage,
      queue: { name: 'work' } as ResolvedQueue,
      stale: false,
      ack: () => this.events.push('ack'),
      requeue: () => this.events.push('requeue'),
    };
  }
}

describe('deferToDelayCascade', () => {
  it('a task from the default exchange goes back to its queue by name, then is acked', async () => {
    const world = new World();
    // The queue's name, not the routing key it arrived with (a dead-lettered copy keeps another one).
    const outcome = await deferToDelayCascade(
      world.delivery('', 'some.other.key'),
      taskMessage({ eta: ETA }),
      world.delays,
      world.reporter,
    );
    expect(outcome).toBe('deferred');
    expect(world.events).toEqual(['schedule', 'ack']);
    expect(world.scheduled[0]?.destination).toEqual({ exchange: '', routingKey: 'work' });
    expect(world.scheduled[0]?.etaMs).toBe(ETA.getTime());
  });

  it('a task from a named exchange goes back to that exchange with its routing key', async () => {
    const world = new World();
    await deferToDelayCascade(
      world.delivery('tasks', 'work.high'),
      taskMessage({ eta: ETA }),
      world.delays,
      world.reporter,
    );
    expect(world.scheduled[0]?.destination).toEqual({ exchange: 'tasks', routingKey: 'work.high' });
  });

  it('the copy keeps its Celery headers but drops the delay and dead-letter bookkeeping', async () => {
    const world = new World();
    await deferToDelayCascade(
      world.delivery('', 'work'),
      taskMessage({ eta: ETA }),
      world.delays,
      world.reporter,
    );
    expect(world.scheduled[0]?.message.properties.headers).toEqual({
      task: 'demo.add',
      eta: ETA.toISOString(),
    });
  });

  it('an eta the cascade cannot carry (RangeError) is refused through the reporter as bad-header', async () => {
    const world = new World();
    world.scheduleFails = new RangeError('An eta 9e9 s away is beyond the delay cascade');
    const outcome = await deferToDelayCascade(
      world.delivery('', 'work'),
      taskMessage({ eta: ETA }),
      world.delays,
      world.reporter,
    );
    expect(outcome).toBe('rejected');
    expect(world.events).toEqual(['reject']);
    expect(world.rejections[0]).toMatchObject({
      reason: 'bad-header',
      detail: 'An eta 9e9 s away is beyond the delay cascade',
    });
  });

  it('a broker error requeues the delivery and never acks it', async () => {
    const world = new World();
    world.scheduleFails = new Error('channel closed');
    const outcome = await deferToDelayCascade(
      world.delivery('', 'work'),
      taskMessage({ eta: ETA }),
      world.delays,
      world.reporter,
    );
    expect(outcome).toBe('requeued');
    expect(world.events).toEqual(['requeue-after-error', 'requeue']);
  });
});
