import type { Channel, ConfirmChannel } from 'amqplib';

import type { ResolvedQueue } from '../options/task-queue-options.js';
import { FakeChannelError, FakeTopologyChannel } from '../../spec-support/fake-topology-channel.js';
import {
  celeryQueue,
  deadLetterQueueName,
  queueArguments,
  REPLY_QUEUE_EXPIRES_MS,
} from '../options/queue-declarations.js';
import { assertQueueTopology, assertReplyQueue, type TopologyChannel } from './topology.js';

// Checked by tsc: amqplib's channels can be passed where a TopologyChannel is expected.
export const acceptsAmqplibChannels: readonly ((c: Channel & ConfirmChannel) => TopologyChannel)[] =
  [(c: Channel) => c, (c: ConfirmChannel) => c];

function queue(overrides: Partial<ResolvedQueue> & { name: string }): ResolvedQueue {
  return {
    exchange: overrides.name,
    exchangeType: 'direct',
    bindingKeys: [overrides.name],
    type: 'classic',
    arguments: {},
    ...overrides,
  };
}

const durableQueue = { durable: true, exclusive: false, autoDelete: false };

describe('deadLetterQueueName', () => {
  it('appends .dead', () => {
    expect(deadLetterQueueName('celery')).toBe('celery.dead');
  });
});

describe('celeryQueue', () => {
  it('is shaped as Celery declares a queue it has no configuration for', () => {
    expect(celeryQueue('hipri')).toEqual({
      name: 'hipri',
      exchange: 'hipri',
      exchangeType: 'direct',
      bindingKeys: ['hipri'],
      type: 'classic',
      arguments: {},
    });
    expect(Object.isFrozen(celeryQueue('hipri').bindingKeys)).toBe(true);
  });
});

describe('queueArguments', () => {
  it('gives a classic queue exactly the user arguments, as a new object', () => {
    const q = queue({ name: 'a', arguments: { 'x-max-priority': 10 } });
    const args = queueArguments(q);
    expect(args).toEqual({ 'x-max-priority': 10 });
    expect(args).not.toBe(q.arguments);
    expect(queueArguments(celeryQueue('celery'))).toEqual({});
  });

  it('gives a quorum queue its type and a dead-letter route to <name>.dead', () => {
    expect(
      queueArguments(queue({ name: 'q', type: 'quorum', arguments: { 'x-delivery-limit': 5 } })),
    ).toEqual({
      'x-delivery-limit': 5,
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'q.dead',
    });
  });

  it.each([
    [{ 'x-dead-letter-exchange': 'dlx' }],
    [{ 'x-dead-letter-routing-key': 'elsewhere' }],
    [{ 'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'k' }],
  ])('leaves dead-lettering to the user who set %j', (userArgs) => {
    expect(queueArguments(queue({ name: 'q', type: 'quorum', arguments: userArgs }))).toEqual({
      ...userArgs,
      'x-queue-type': 'quorum',
    });
  });
});

describe('assertQueueTopology', () => {
  it('declares the stock celery queue exactly as Celery does', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(channel, celeryQueue('celery'));
    expect(channel.calls).toEqual([
      {
        method: 'assertExchange',
        exchange: 'celery',
        type: 'direct',
        options: { durable: true, autoDelete: false },
      },
      { method: 'assertQueue', queue: 'celery', options: { ...durableQueue, arguments: {} } },
      { method: 'bindQueue', queue: 'celery', source: 'celery', pattern: 'celery' },
    ]);
  });

  it('binds a topic queue once per binding key', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(
      channel,
      queue({
        name: 'media',
        exchange: 'media',
        exchangeType: 'topic',
        bindingKeys: ['media.#', '*.video'],
      }),
    );
    expect(channel.exchanges.get('media')).toEqual({
      type: 'topic',
      options: { durable: true, autoDelete: false },
    });
    expect(channel.bindings).toEqual([
      { queue: 'media', source: 'media', pattern: 'media.#' },
      { queue: 'media', source: 'media', pattern: '*.video' },
    ]);
  });

  it('binds a fanout queue once with an empty key, whatever its binding keys', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(
      channel,
      queue({
        name: 'b1',
        exchange: 'broadcast',
        exchangeType: 'fanout',
        bindingKeys: ['b1', 'x'],
      }),
    );
    expect(channel.exchanges.get('broadcast')?.type).toBe('fanout');
    expect(channel.bindings).toEqual([{ queue: 'b1', source: 'broadcast', pattern: '' }]);
  });

  it('declares a quorum queue with its type and dead-letter arguments', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(channel, queue({ name: 'jobs', type: 'quorum' }));
    expect(channel.queues.get('jobs')).toEqual({
      ...durableQueue,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'jobs.dead',
      },
    });
    expect(channel.queues.has('jobs.dead')).toBe(false);
  });

  it.each([
    ['quorum', { 'x-queue-type': 'quorum' }],
    ['classic', {}],
  ] as const)(
    'declares the dead-letter queue of a %s queue when asked: same type, no dead-lettering of its own',
    async (type, deadArgs) => {
      const channel = new FakeTopologyChannel();
      await assertQueueTopology(channel, queue({ name: 'jobs', type }), {
        withDeadLetterQueue: true,
      });
      expect(channel.queues.get('jobs.dead')).toEqual({ ...durableQueue, arguments: deadArgs });
      const declared = channel.calls.filter((c) => c.method === 'assertQueue').map((c) => c.queue);
      expect(declared).toEqual(['jobs.dead', 'jobs']);
    },
  );

  it('declares neither exchange nor binding for a queue on the default exchange', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(channel, queue({ name: 'direct-only', exchange: '' }));
    expect(channel.calls.map((c) => c.method)).toEqual(['assertQueue']);
  });

  it('binds to a built-in amq. exchange without trouble', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(
      channel,
      queue({ name: 'logs', exchange: 'amq.topic', exchangeType: 'topic', bindingKeys: ['log.*'] }),
    );
    expect(channel.bindings).toEqual([{ queue: 'logs', source: 'amq.topic', pattern: 'log.*' }]);
  });

  it('is idempotent: running it again, as after a reconnect, declares the same things', async () => {
    const channel = new FakeTopologyChannel();
    const queues = [
      celeryQueue('celery'),
      queue({ name: 'jobs', type: 'quorum', arguments: { 'x-delivery-limit': 3 } }),
      queue({ name: 'media', exchangeType: 'topic', bindingKeys: ['media.#'] }),
    ];
    for (const q of queues) await assertQueueTopology(channel, q, { withDeadLetterQueue: true });
    const first = channel.calls.slice();
    channel.reopen();
    for (const q of queues) await assertQueueTopology(channel, q, { withDeadLetterQueue: true });
    expect(channel.calls).toEqual(first);
    expect(channel.bindings).toHaveLength(3);
  });

  it('surfaces the broker refusing a queue that exists with other arguments', async () => {
    const channel = new FakeTopologyChannel();
    await assertQueueTopology(channel, celeryQueue('celery'));
    const promise = assertQueueTopology(
      channel,
      queue({ name: 'celery', arguments: { 'x-max-priority': 10 } }),
    );
    await expect(promise).rejects.toMatchObject({ code: 406 });
  });

  it('rejects with the channel error and stops declaring', async () => {
    const channel = new FakeTopologyChannel();
    const boom = new FakeChannelError(541, 'boom');
    channel.failNext('assertQueue', boom);
    await expect(assertQueueTopology(channel, celeryQueue('celery'))).rejects.toBe(boom);
    expect(channel.calls.map((c) => c.method)).toEqual(['assertExchange', 'assertQueue']);
  });
});

describe('assertReplyQueue', () => {
  it('declares an rpc reply queue exactly as Celery does', async () => {
    const channel = new FakeTopologyChannel();
    await assertReplyQueue(channel, '949e9a16-278c-3d45-9c28-b00749ffb3b9');
    expect(REPLY_QUEUE_EXPIRES_MS).toBe(86_400_000);
    expect(channel.calls).toEqual([
      {
        method: 'assertQueue',
        queue: '949e9a16-278c-3d45-9c28-b00749ffb3b9',
        options: {
          durable: false,
          exclusive: false,
          autoDelete: true,
          arguments: { 'x-expires': 86_400_000 },
        },
      },
    ]);
  });
});
