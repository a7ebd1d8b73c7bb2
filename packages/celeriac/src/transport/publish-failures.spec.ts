import { IllegalStateError } from '../errors/illegal-state.error.js';
import { PublishBacklogFullError } from '../errors/publish-backlog-full.error.js';
import { PublishTimeoutError } from '../errors/publish-timeout.error.js';
import { admissionRefusal, publishTimeout, type ConnectionFacts } from './publish-failures.js';
import type { PublishRequest } from './publish-request.js';

const request: PublishRequest = {
  exchange: '',
  routingKey: 'emails',
  message: {
    content: Buffer.from('[]'),
    properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers: {} },
  },
  mandatory: true,
  what: 'task "email.send" (id 1)',
};

function connection(overrides: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    isConnected: true,
    blocked: null,
    describeState: () => 'RabbitMQ has been unreachable for 4000 ms',
    ...overrides,
  };
}

describe('admissionRefusal', () => {
  it('admits a publish below the backlog cap', () => {
    expect(admissionRefusal(request, false, 0, 10, connection())).toBeUndefined();
    expect(admissionRefusal(request, false, 9, 10, connection())).toBeUndefined();
  });

  it('refuses one at the cap, naming the count, the cap and the connection state', () => {
    const refusal = admissionRefusal(request, false, 10, 10, connection());
    expect(refusal).toBeInstanceOf(PublishBacklogFullError);
    expect(refusal).toMatchObject({ pending: 10, limit: 10 });
    expect(refusal?.message).toContain('RabbitMQ has been unreachable for 4000 ms');
    expect(refusal?.message).toContain('task "email.send" (id 1)');
  });

  it('a closed publisher refuses, before the cap is looked at', () => {
    expect(admissionRefusal(request, true, 0, 10, connection())).toBeInstanceOf(IllegalStateError);
    expect(admissionRefusal(request, true, 10, 10, connection())).toBeInstanceOf(IllegalStateError);
  });
});

describe('publishTimeout', () => {
  it('disconnected: unreachable, whatever else is true', () => {
    const error = publishTimeout(
      request,
      false,
      connection({ isConnected: false, blocked: 'low on memory' }),
      5_000,
    );
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({
      brokerState: 'unreachable',
      maybeEnqueued: false,
      timeoutMs: 5_000,
    });
    expect(error.message).toContain('RabbitMQ has been unreachable for 4000 ms');
  });

  it('connected but under a resource alarm: blocked', () => {
    expect(
      publishTimeout(request, false, connection({ blocked: 'low on disk' }), 5_000),
    ).toMatchObject({ brokerState: 'blocked' });
  });

  it('connected and not blocked: no confirm', () => {
    expect(publishTimeout(request, true, connection(), 5_000)).toMatchObject({
      brokerState: 'no-confirm',
    });
  });

  it('says whether it may still be enqueued: only once it was written', () => {
    expect(publishTimeout(request, true, connection(), 5_000)).toMatchObject({
      maybeEnqueued: true,
    });
    expect(publishTimeout(request, true, connection(), 5_000).message).toContain(
      'send it again only with the same taskId',
    );
    expect(publishTimeout(request, false, connection(), 5_000).message).toContain(
      'it was not sent',
    );
  });
});
