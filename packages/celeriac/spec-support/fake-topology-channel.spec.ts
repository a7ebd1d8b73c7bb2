import { FakeChannelError, FakeTopologyChannel } from './fake-topology-channel.js';

const durable = { durable: true, exclusive: false, autoDelete: false, arguments: {} };

describe('FakeTopologyChannel', () => {
  it('records calls and keeps declared entities', async () => {
    const channel = new FakeTopologyChannel();
    await channel.assertExchange('x', 'direct', { durable: true, autoDelete: false });
    await channel.assertQueue('q', durable);
    await channel.bindQueue('q', 'x', 'k');
    await channel.bindQueue('q', 'x', 'k');
    expect(channel.calls).toHaveLength(4);
    expect(channel.queues.get('q')).toEqual(durable);
    expect(channel.bindings).toEqual([{ queue: 'q', source: 'x', pattern: 'k' }]);
  });

  it.each([
    [
      'an inequivalent exchange',
      406,
      (c: FakeTopologyChannel) =>
        c.assertExchange('amq.topic', 'direct', { durable: true, autoDelete: false }),
    ],
    [
      'a new amq. exchange',
      403,
      (c: FakeTopologyChannel) =>
        c.assertExchange('amq.mine', 'direct', { durable: true, autoDelete: false }),
    ],
    [
      'the default exchange',
      403,
      (c: FakeTopologyChannel) =>
        c.assertExchange('', 'direct', { durable: true, autoDelete: false }),
    ],
    ['an amq. queue', 403, (c: FakeTopologyChannel) => c.assertQueue('amq.q', durable)],
    [
      'a binding to a missing exchange',
      404,
      (c: FakeTopologyChannel) => c.bindQueue('q', 'nope', 'k'),
    ],
    [
      'a binding to the default exchange',
      403,
      (c: FakeTopologyChannel) => c.bindQueue('q', '', 'k'),
    ],
    [
      'a non-durable quorum queue',
      406,
      (c: FakeTopologyChannel) =>
        c.assertQueue('qq', {
          ...durable,
          durable: false,
          arguments: { 'x-queue-type': 'quorum' },
        }),
    ],
    [
      'a quorum queue with x-max-priority',
      406,
      (c: FakeTopologyChannel) =>
        c.assertQueue('qq', {
          ...durable,
          arguments: { 'x-queue-type': 'quorum', 'x-max-priority': 5 },
        }),
    ],
  ])('refuses %s as RabbitMQ does (%i)', async (_case, code, call) => {
    await expect(call(new FakeTopologyChannel())).rejects.toMatchObject({ code });
  });

  it('closes on the first error until reopened', async () => {
    const channel = new FakeTopologyChannel();
    channel.failNext('assertQueue');
    await expect(channel.assertQueue('q', durable)).rejects.toBeInstanceOf(FakeChannelError);
    await expect(channel.assertQueue('q', durable)).rejects.toMatchObject({ code: 504 });
    channel.reopen();
    await expect(channel.assertQueue('q', durable)).resolves.toMatchObject({ queue: 'q' });
  });
});
