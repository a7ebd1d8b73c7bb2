import { signature } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';
import { startPythonWorker } from './python.js';

/** What `tasks.request_info` returns: the fields of the Python worker's `self.request`. */
interface RequestInfo {
  readonly id: string;
  readonly root_id: string | null;
  readonly parent_id: string | null;
  readonly group: string | null;
  readonly retries: number;
  readonly eta: string | null;
  readonly expires: string | null;
  readonly timelimit: readonly (number | null)[] | null;
  readonly shadow: string | null;
  readonly ignore_result: boolean;
  readonly origin: string | null;
  readonly argsrepr: string | null;
}

/**
 * The lean header table (`taskHeaders: 'lean'`, the default) against Celery's full one, on a real Celery
 * 5.2 worker: a header left out must mean to the worker what its full-table value means.
 */
describe('a Python Celery 5.2 worker reads the lean header table as the full one', () => {
  const queue = uniqueName('interop-py-headers');
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let lean: TestClient;
  let full: TestClient;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    const options = { defaultQueue: queue, delayedDelivery: 'direct' } as const;
    lean = await startClient(options);
    full = await startClient({ ...options, taskHeaders: 'full' });
    python = await startPythonWorker(queue);
  }, 60_000);

  afterAll(async () => {
    await python.stop();
    await lean.close();
    await full.close();
    await probe.deleteQueues(queue);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  const info = async (client: TestClient, options = {}): Promise<RequestInfo> => {
    const result = await client.client.send<RequestInfo>('tasks.request_info', [], {}, options);
    return result.get({ timeoutMs: 10_000 });
  };

  it('a plain send: the same request but for origin, argsrepr and a root_id of None', async () => {
    const [fromLean, fromFull] = await Promise.all([info(lean), info(full)]);
    const defaults = {
      parent_id: null,
      group: null,
      retries: 0,
      eta: null,
      expires: null,
      shadow: null,
      ignore_result: false,
    };
    expect(fromLean).toEqual({
      ...defaults,
      id: fromLean.id,
      root_id: null,
      timelimit: null,
      origin: null,
      argsrepr: null,
    });
    expect(fromFull).toEqual({
      ...defaults,
      id: fromFull.id,
      root_id: fromFull.id,
      timelimit: [null, null],
      origin: expect.stringMatching(/^gen\d+@/) as unknown,
      argsrepr: '()',
    });
  });

  it('every header that differs from its default arrives in the lean table', async () => {
    const expires = new Date(Date.now() + 60_000);
    const sent = { shadow: 'shown', expires, timeLimit: 30, softTimeLimit: 2.5 };
    const [fromLean, fromFull] = await Promise.all([info(lean, sent), info(full, sent)]);
    for (const got of [fromLean, fromFull]) {
      expect(got).toMatchObject({ shadow: 'shown', timelimit: [30, 2.5] });
      expect(Date.parse(String(got.expires))).toBe(expires.getTime());
    }
  });

  it('a group member carries its group id, and a chain step its root and parent', async () => {
    const group = await lean.client.group<RequestInfo>([
      signature('tasks.request_info'),
      signature('tasks.request_info'),
    ]);
    const members = await group.get({ timeoutMs: 10_000 });
    expect(members.map((m) => m.group)).toEqual([group.id, group.id]);

    // The Python worker publishes the second step: it derives root_id from a first step without one.
    const last = await lean.client.chain<RequestInfo>([
      signature('tasks.request_info'),
      signature('tasks.request_info'),
    ]);
    const first = last.parent!;
    const second = await last.get({ timeoutMs: 10_000 });
    expect(second).toMatchObject({ root_id: first.id, parent_id: first.id });
  });
});
