import { ResultUnavailableError } from '../errors/result-unavailable.error.js';
import type { BrokerConnections } from '../transport/broker-connections.js';
import { RpcResultBackend } from './rpc-result-backend.js';

/** Tracking is pure bookkeeping until start(): no connection is touched. */
const NO_BROKER = {} as BrokerConnections;

describe('RpcResultBackend tracking', () => {
  it('keeps at most maxTracked handles; the oldest one rejects get() with a clear error', async () => {
    const backend = new RpcResultBackend(NO_BROKER, 1_024, 2);
    const oldest = backend.track('a');
    backend.track('b');
    backend.track('c');
    expect(backend.pendingCount).toBe(2);
    const err = await oldest.get({ timeoutMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultUnavailableError);
    expect((err as ResultUnavailableError).reason).toBe('evicted');
    expect((err as Error).message).toContain('maxTrackedResults (2)');
  });

  it('close() ends a get() that waits without a timeout', async () => {
    const backend = new RpcResultBackend(NO_BROKER, 1_024);
    const waiting = backend.track('a').get({ timeoutMs: 0 });
    await backend.close();
    await expect(waiting).rejects.toMatchObject({ reason: 'closed' });
    expect(backend.pendingCount).toBe(0);
  });

  it('gives handles the default timeout', async () => {
    const backend = new RpcResultBackend(NO_BROKER, 1_024, 10, 20);
    await expect(backend.track('a').get()).rejects.toMatchObject({
      code: 'TASK_QUEUE_RESULT_TIMEOUT',
    });
  });

  it('refuses what needs a store: chords and saved groups', async () => {
    const backend = new RpcResultBackend(NO_BROKER, 1_024);
    await expect(backend.setChordSize('g')).rejects.toMatchObject({ reason: 'unsupported' });
    await expect(backend.saveGroup('g')).rejects.toBeInstanceOf(ResultUnavailableError);
  });
});
