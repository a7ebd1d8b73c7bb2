import type { PublishRequest } from '../transport/publish-request.js';
import { EventDispatcher, type EventPublisher } from './event-dispatcher.js';

/** A publisher of our own interface that records what it was asked to publish. */
function recordingPublisher(fail = false): EventPublisher & { sent: PublishRequest[] } {
  const sent: PublishRequest[] = [];
  return {
    sent,
    publish: (request) => {
      sent.push(request);
      return fail ? Promise.reject(new Error('broker gone')) : Promise.resolve();
    },
    ensureTopology: () => Promise.resolve(),
    markExchangeKnown: () => undefined,
  };
}

const body = (request: PublishRequest | undefined): unknown =>
  JSON.parse(request?.message.content.toString('utf8') ?? 'null');

describe('EventDispatcher', () => {
  it('publishes a worker event at once, as one object on celeryev', async () => {
    const publisher = recordingPublisher();
    const dispatcher = new EventDispatcher(publisher, 'w1@host');
    await dispatcher.send('worker-online', { freq: 2 });
    expect(publisher.sent).toHaveLength(1);
    expect(publisher.sent[0]).toMatchObject({ exchange: 'celeryev', routingKey: 'worker.online' });
    expect(body(publisher.sent[0])).toMatchObject({
      hostname: 'w1@host',
      pid: process.pid,
      clock: 1,
      freq: 2,
      type: 'worker-online',
    });
  });

  it('batches the task events of one turn into one task.multi message, clocks in order', async () => {
    const publisher = recordingPublisher();
    const dispatcher = new EventDispatcher(publisher, 'w1@host');
    dispatcher.sendBuffered('task-received', { uuid: 'a' });
    dispatcher.sendBuffered('task-started', { uuid: 'a' });
    dispatcher.sendBuffered('task-succeeded', { uuid: 'a', result: '5' });
    expect(publisher.sent).toHaveLength(0);
    await dispatcher.close();
    expect(publisher.sent).toHaveLength(1);
    expect(publisher.sent[0]?.routingKey).toBe('task.multi');
    const events = body(publisher.sent[0]) as { type: string; clock: number }[];
    expect(events.map((e) => [e.type, e.clock])).toEqual([
      ['task-received', 1],
      ['task-started', 2],
      ['task-succeeded', 3],
    ]);
    expect(dispatcher.clockValue).toBe(3);
  });

  it('flushes by itself at the end of the turn', async () => {
    const publisher = recordingPublisher();
    const dispatcher = new EventDispatcher(publisher, 'w1@host');
    dispatcher.sendBuffered('task-started', { uuid: 'a' });
    await expect.poll(() => publisher.sent.length).toBe(1);
    // One event alone goes out as an object under its own routing key.
    expect(publisher.sent[0]?.routingKey).toBe('task.started');
  });

  it('never throws when the broker refuses: events are best effort', async () => {
    const dispatcher = new EventDispatcher(recordingPublisher(true), 'w1@host');
    await expect(dispatcher.send('worker-heartbeat', {})).resolves.toBeUndefined();
  });
});
