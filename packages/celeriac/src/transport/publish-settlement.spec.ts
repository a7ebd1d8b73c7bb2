import type { ConfirmChannel, Message } from 'amqplib';
import { PendingPublishes, type PendingPublish } from './pending-publishes.js';
import type { PublishObserver, PublishRequest } from './publish-request.js';
import { PublishSettlement } from './publish-settlement.js';

/** Only its identity matters here: which channel a publish was written to. */
const channelA = {} as ConfirmChannel;
const channelB = {} as ConfirmChannel;

function request(id: string): PublishRequest {
  return {
    exchange: 'ex',
    routingKey: 'rk',
    message: { content: Buffer.from('{}'), properties: { correlationId: id } },
    mandatory: true,
    what: `task "t" (id ${id})`,
  } as unknown as PublishRequest;
}

function returned(id: string): Message {
  return {
    fields: { exchange: 'ex', routingKey: 'rk', replyText: 'NO_ROUTE' },
    properties: { correlationId: id },
    content: Buffer.from('{}'),
  } as unknown as Message;
}

describe('PublishSettlement', () => {
  let pending: PendingPublishes<PublishRequest>;
  let closed: boolean;
  let settlement: PublishSettlement;
  let outcomes: string[];
  let nacked: string[];
  const observer: PublishObserver = {
    confirmed: () => outcomes.push('confirmed'),
    failed: (why) => outcomes.push(`failed:${why}`),
  };

  beforeEach(() => {
    pending = new PendingPublishes<PublishRequest>(() => undefined);
    closed = false;
    outcomes = [];
    nacked = [];
    settlement = new PublishSettlement(pending, 10_000, {
      isClosed: () => closed,
      lastChannelError: () => undefined,
      nacked: (publish) => nacked.push(publish.request.what),
    });
    settlement.observe(observer);
  });
  afterEach(() => {
    pending.dispose();
  });

  /** A publish written to `channel`, and how it settled. */
  function written(id: string, channel: ConfirmChannel) {
    const result: { value?: string } = {};
    const publish: PendingPublish<PublishRequest> = {
      request: request(id),
      deadline: Date.now() + 10_000,
      resolve: () => (result.value = 'resolved'),
      reject: (err) => (result.value = `${err.name}: ${err.message}`),
      channel,
      written: true,
      settled: false,
      nacks: 0,
      exchange: 'ex',
      routingKey: 'rk',
    };
    pending.add(publish);
    return { publish, result };
  }

  it('resolves an ack, and ignores a stale confirm from an earlier channel', () => {
    const { publish, result } = written('a', channelB);
    settlement.confirmed(publish, channelA, new Error('channel closed'));
    expect(result.value).toBeUndefined();
    settlement.confirmed(publish, channelB, null);
    expect(result.value).toBe('resolved');
    expect(outcomes).toEqual(['confirmed']);
    expect(pending.size).toBe(0);
  });

  it('rejects a mandatory message the broker returned before acking it', () => {
    const { publish, result } = written('b', channelA);
    settlement.recordReturn(returned('b'));
    settlement.confirmed(publish, channelA, null);
    expect(result.value).toMatch(/^UnroutableError: /);
    expect(outcomes).toEqual(['failed:refused']);
  });

  it('forgets the returns of a closed channel once a new one opens', () => {
    const { publish, result } = written('c', channelA);
    settlement.recordReturn(returned('c'));
    settlement.channelOpened();
    settlement.confirmed(publish, channelA, null);
    expect(result.value).toBe('resolved');
  });

  it('sends an interrupted publish back to wait and counts it; once closed, fails it instead', () => {
    const first = written('d', channelA);
    settlement.confirmed(first.publish, channelA, new Error('channel closed'));
    expect(first.result.value).toBeUndefined();
    expect(first.publish.channel).toBeUndefined();
    expect(pending.nextWaiting()).toBe(first.publish);
    expect(settlement.republished).toBe(1);

    closed = true;
    const second = written('e', channelA);
    settlement.confirmed(second.publish, channelA, new Error('channel closed'));
    expect(second.result.value).toMatch(/^IllegalStateError: /);
    expect(settlement.republished).toBe(1);
    expect(outcomes).toEqual(['failed:closed']);
  });

  it('hands a nack back to the publisher to write again; once closed, fails it instead', () => {
    const first = written('f', channelA);
    settlement.confirmed(first.publish, channelA, new Error('message nacked'));
    expect(first.result.value).toBeUndefined();
    expect(nacked).toEqual([first.publish.request.what]);

    closed = true;
    const second = written('g', channelA);
    settlement.confirmed(second.publish, channelA, new Error('message nacked'));
    expect(second.result.value).toMatch(/^PublishError: .*RabbitMQ nacked it/);
    expect(nacked).toHaveLength(1);
    expect(outcomes).toEqual(['failed:refused']);
  });
});
