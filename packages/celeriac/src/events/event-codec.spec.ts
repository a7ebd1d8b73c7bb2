import { loadFixture } from '../../spec-support/celery-fixtures.js';
import { type CeleryEvent, eventRoutingKey } from './celery-event.js';
import { decodeEvents, encodeEvents } from './event-codec.js';

const EVENT: CeleryEvent = {
  hostname: 'w1@host',
  utcoffset: 0,
  pid: 42,
  clock: 3,
  uuid: 't1',
  timestamp: 1795725227.5,
  type: 'task-started',
};

describe('encodeEvents', () => {
  it('sends one event as an object under the routing key of its type, as Celery does', () => {
    const heartbeat = loadFixture('event_worker_heartbeat');
    const out = encodeEvents([{ ...EVENT, type: 'worker-heartbeat' }], 'w1@host');
    expect(out.routingKey).toBe(heartbeat.deliveryInfo['routing_key']);
    expect(out.message.properties).toEqual({
      contentType: heartbeat.properties['content_type'],
      contentEncoding: heartbeat.properties['content_encoding'],
      deliveryMode: heartbeat.properties['delivery_mode'],
      priority: heartbeat.properties['priority'],
      headers: { hostname: 'w1@host' },
    });
    expect(JSON.parse(out.message.content.toString('utf8'))).toEqual({
      ...EVENT,
      type: 'worker-heartbeat',
    });
  });

  it('sends several task events as one array under task.multi, as a Celery worker batches them', () => {
    const batch = loadFixture('event_batch');
    const out = encodeEvents([EVENT, { ...EVENT, clock: 4, type: 'task-succeeded' }], 'w1@host');
    expect(out.routingKey).toBe(batch.deliveryInfo['routing_key']);
    expect(JSON.parse(out.message.content.toString('utf8'))).toHaveLength(2);
  });
});

describe('decodeEvents', () => {
  it('reads a batch and a single event as Celery sent them', () => {
    expect(
      decodeEvents(Buffer.from(loadFixture('event_batch').bodyRaw)).map((e) => e.type),
    ).toEqual(['task-received', 'task-started', 'task-succeeded']);
    const online = decodeEvents(Buffer.from(loadFixture('event_worker_online').bodyRaw));
    expect(online).toMatchObject([{ type: 'worker-online', sw_ident: 'py-celery', freq: 2 }]);
  });

  it('drops what is not an event instead of failing', () => {
    expect(decodeEvents(Buffer.from('not json'))).toEqual([]);
    expect(decodeEvents(Buffer.from('[1, {"type": "x"}, {"type": "y", "hostname": "h"}]'))).toEqual(
      [{ type: 'y', hostname: 'h' }],
    );
  });
});

describe('event names', () => {
  it("routes by the type with '-' as '.'", () => {
    expect(eventRoutingKey('task-succeeded')).toBe('task.succeeded');
    expect(eventRoutingKey('worker-heartbeat')).toBe('worker.heartbeat');
  });
});
