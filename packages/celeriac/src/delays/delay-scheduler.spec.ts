import type { Publisher } from '../transport/publisher.js';
import type { PublishRequest } from '../transport/publish-request.js';
import type { OutgoingMessage } from '../message/amqp-message.js';
import { DelayScheduler } from './delay-scheduler.js';
import { delayNames, delayRoutingKey, entryLevel } from './delay-topology.js';

/** Records publish requests; the topology setup is accepted without a channel. */
class RecordingPublisher {
  readonly requests: PublishRequest[] = [];
  ensureTopology(): Promise<void> {
    return Promise.resolve();
  }
  markExchangeKnown(): void {
    // every level exchange is known to the scheduler's caller
  }
  publish(request: PublishRequest): Promise<void> {
    this.requests.push(request);
    return Promise.resolve();
  }
}

const message: OutgoingMessage = {
  content: Buffer.from('[]'),
  properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers: {} },
};
const destination = { exchange: '', routingKey: 'celery' };

describe('DelayScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plans the cascade level again when the message is written, not when it was sent', async () => {
    const publisher = new RecordingPublisher();
    const scheduler = new DelayScheduler(publisher as unknown as Publisher, 'test.delay');
    await scheduler.schedule(message, destination, Date.now() + 10_000, 'a task');
    const request = publisher.requests[0]!;
    const names = delayNames('test.delay');
    expect(request.exchange).toBe(names.level(entryLevel(9)));
    expect(request.routingKey).toBe(delayRoutingKey(9));
    // The publish waited 5 s for a connection: 5 s are left, so 4 whole seconds go into the cascade.
    vi.advanceTimersByTime(5_000);
    expect(request.target?.()).toEqual({
      exchange: names.level(entryLevel(4)),
      routingKey: delayRoutingKey(4),
    });
    // Due by the time it is written: the ready queue, whose forwarder sends it on at once.
    vi.advanceTimersByTime(6_000);
    expect(request.target?.()).toEqual({ exchange: '', routingKey: names.ready });
  });

  it('publishes nothing for an eta the receiving worker can hold itself', async () => {
    const publisher = new RecordingPublisher();
    const scheduler = new DelayScheduler(publisher as unknown as Publisher, 'test.delay');
    expect(await scheduler.schedule(message, destination, Date.now() + 1_000, 'a task')).toBe(
      false,
    );
    expect(publisher.requests).toEqual([]);
  });
});
