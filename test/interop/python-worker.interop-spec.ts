import { randomUUID } from 'node:crypto';
import { TaskFailedError, TaskRevokedError, signature } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';
import { startPythonWorker } from './python.js';

const UNICODE = 'é ü ß, Ωμέγα, 日本語, العربية, 𝄞 🎉 👨‍👩‍👧 e\u0301 "q" \\ \t\n\u2028 end';
const NESTED = {
  null: null,
  float: 1.5,
  small: 1e-7,
  int: 42,
  neg: -7,
  maxSafe: 2 ** 53 - 1,
  t: true,
  f: false,
  emptyList: [],
  emptyDict: {},
  list: [1, 'two', null, 3.25, [], {}, [[null]]],
  deep: { a: { b: { c: [null, 0.5, {}] } } },
};

describe('the Nest TaskClient calls tasks on a Python Celery 5.2 worker', () => {
  const queue = uniqueName('interop-py-worker');
  let python: Awaited<ReturnType<typeof startPythonWorker>>;
  let app: TestClient;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    // Only Python workers consume here, and they hold ETA tasks themselves: no Celeriac worker runs a
    // delay forwarder, so countdowns go straight to the queue as Celery sends them.
    app = await startClient({
      defaultQueue: queue,
      maxPayloadBytes: 4 * 1024 * 1024,
      delayedDelivery: 'direct',
    });
    python = await startPythonWorker(queue);
  }, 60_000);

  afterAll(async () => {
    await python.stop();
    await app.close();
    await probe.deleteQueues(queue);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  const client = (): TestClient['client'] => app.client;

  it('args', async () => {
    await expect(
      (await client().send('tasks.add', [2, 3])).get({ timeoutMs: 10_000 }),
    ).resolves.toBe(5);
  });

  it('kwargs only', async () => {
    await expect(
      (await client().send('tasks.add', [], { x: 2, y: 3 })).get({ timeoutMs: 10_000 }),
    ).resolves.toBe(5);
  });

  it('unicode, astral-plane characters included, round-trips exactly', async () => {
    await expect(
      (await client().send('tasks.echo', [UNICODE])).get({ timeoutMs: 10_000 }),
    ).resolves.toBe(UNICODE);
  });

  it('nested JSON (nulls, floats, empty containers) round-trips', async () => {
    await expect(
      (await client().send('tasks.echo', [NESTED])).get({ timeoutMs: 10_000 }),
    ).resolves.toEqual(NESTED);
  });

  it('a 1 MiB string round-trips', async () => {
    const big = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(29_128).slice(0, 1024 * 1024);
    await expect(
      (await client().send('tasks.echo', [big])).get({ timeoutMs: 10_000 }),
    ).resolves.toBe(big);
  });

  it("a Python ValueError arrives as TaskFailedError('ValueError', ['boom'])", async () => {
    const error = await (
      await client().send('tasks.fail', ['boom'])
    )
      .get({ timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({
      excType: 'ValueError',
      excModule: 'builtins',
      excMessage: ['boom'],
    });
    expect((error as TaskFailedError).traceback).toContain('ValueError: boom');
  });

  it('countdown: the Python worker does not run it early', async () => {
    const sentAt = Date.now();
    const result = await client().send('tasks.add', [2, 3], {}, { countdown: 1.5 });
    await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe(5);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_500);
  });

  it('expires in the past: REVOKED, never run', async () => {
    const result = await client().send(
      'tasks.add',
      [1, 2],
      {},
      { expires: new Date(Date.now() - 60_000) },
    );
    await expect(result.get({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
  });

  it("revoke: client.revoke() reaches the Python worker through Celery's broadcast; its countdown task ends REVOKED", async () => {
    // The same task ran to 5 in the countdown case above; revoked before it is due, it never runs.
    const result = await client().send('tasks.add', [2, 3], {}, { countdown: 2 });
    await client().revoke(result.id);
    const error = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskRevokedError);
  });

  it('chain add | add', async () => {
    const last = await client().chain<number>([
      signature('tasks.add', [1, 1]),
      signature('tasks.add', [10]),
    ]);
    await expect(last.get({ timeoutMs: 10_000 })).resolves.toBe(12);
    await expect(last.parent?.get({ timeoutMs: 10_000 })).resolves.toBe(2);
  });

  it('group of 10', async () => {
    const group = await client().group<number>(
      Array.from({ length: 10 }, (_, i) => signature('tasks.add', [i, i * 10])),
    );
    await expect(group.get({ timeoutMs: 10_000 })).resolves.toEqual(
      Array.from({ length: 10 }, (_, i) => i * 11),
    );
  });

  it('link: the Python worker runs the callback and its result reaches us', async () => {
    const callback = signature('tasks.add', [100]);
    const parent = await client().send('tasks.add', [2, 3], {}, { link: callback });
    await expect(parent.get({ timeoutMs: 10_000 })).resolves.toBe(5);
    await expect(client().result(callback).get({ timeoutMs: 10_000 })).resolves.toBe(105);
  });

  it('link_error: the Python worker runs the errback with the failed id', async () => {
    const errback = signature('tasks.record_error');
    const parent = await client().send('tasks.fail', ['boom-link'], {}, { linkError: errback });
    await expect(parent.get({ timeoutMs: 10_000 })).rejects.toMatchObject({
      excType: 'ValueError',
    });
    await expect(client().result(errback).get({ timeoutMs: 10_000 })).resolves.toBe(parent.id);
  });

  it('ignoreResult: the task runs and no result is awaited', async () => {
    const key = `ignore-${randomUUID()}`;
    const fire = await client().send(
      'tasks.remember',
      [key, { marker: key }],
      {},
      { ignoreResult: true },
    );
    await expect(fire.get()).rejects.toThrow(/ignoreResult/);
    await expect
      .poll(async () => (await client().send('tasks.recall', [key])).get({ timeoutMs: 10_000 }), {
        timeout: 10_000,
      })
      .toEqual({ marker: key });
  });

  it('custom headers are visible to the Python task', async () => {
    const result = await client().send(
      'tasks.echo_header',
      ['x-trace'],
      {},
      { headers: { 'x-trace': 'abc' } },
    );
    await expect(result.get({ timeoutMs: 10_000 })).resolves.toBe('abc');
  });

  it('an unknown task comes back as NotRegistered', async () => {
    const error = await (
      await client().send('tasks.nope', [1])
    )
      .get({ timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ excType: 'NotRegistered', excModule: 'celery.exceptions' });
  });
});
