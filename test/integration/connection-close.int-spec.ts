import { IllegalStateError, resolveOptions, TaskQueueRuntime } from 'celeriac';
import { RABBITMQ_URL } from '../support/broker.js';

describe('closing the broker connections', () => {
  it('makes a second close() wait until the connection is closed', async () => {
    const runtime = new TaskQueueRuntime(resolveOptions({ url: RABBITMQ_URL }));
    const connection = runtime.connections.get('publish');
    await connection.waitForConnect();

    const first = connection.close();
    await connection.close();

    expect(connection.isConnected).toBe(false);
    await first;
  });

  it('opens no new connection once closed: a late user gets an IllegalStateError', async () => {
    const runtime = new TaskQueueRuntime(resolveOptions({ url: RABBITMQ_URL }));
    await runtime.connections.get('publish').waitForConnect();
    await runtime.onApplicationShutdown();

    expect(() => runtime.connections.get('consume')).toThrow(IllegalStateError);
    expect(() => runtime.connections.get('publish')).toThrow(IllegalStateError);
    expect(runtime.health().connections).toEqual({ publish: null, consume: null });
  });
});
