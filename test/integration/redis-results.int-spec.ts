import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ResultTimeoutError,
  ResultUnavailableError,
  Task,
  TaskFailedError,
  chordSignature,
  deadLetterQueueName,
  signature,
} from 'celeriac';
import type { Redis } from 'ioredis';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';
import { REDIS_URL, deleteKeys, redisProbe } from '../support/redis.js';

const errbackCalls: string[] = [];

@Injectable()
class ResultTasks {
  @Task({ name: 'rr.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  @Task('rr.tsum')
  tsum(numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @Task('rr.fail')
  fail(message: string): never {
    throw Object.assign(new Error(message), { excType: 'ValueError', excModule: 'builtins' });
  }

  @Task('rr.on_error')
  onError(taskId: string): string {
    errbackCalls.push(taskId);
    return taskId;
  }
}

describe('Redis result backend on the real broker and Redis', () => {
  const queue = uniqueName('redis-results');
  let worker: TestWorker;
  let reader: TestClient;
  let redis: Redis;
  const ids: string[] = [];

  beforeAll(async () => {
    redis = redisProbe();
    worker = await startWorker(
      {
        defaultQueue: queue,
        resultBackend: REDIS_URL,
        resultExtended: true,
        resultExpires: 600,
        worker: { queues: [queue], concurrency: 10 },
      },
      [ResultTasks],
    );
    // Another process in all but name: its own module, connections and backend.
    reader = await startClient({ defaultQueue: queue, resultBackend: REDIS_URL });
  });

  afterAll(async () => {
    await reader.close();
    await worker.close();
    await deleteKeys(redis, ...ids.map((id) => `celery-task*-meta-${id}*`));
    redis.disconnect();
    const probe = await BrokerProbe.open();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  function track(id: string): string {
    ids.push(id);
    return id;
  }

  it("stores a SUCCESS in Celery's layout, with expiry and extended fields", async () => {
    const sent = await worker.client.send<number>('rr.add', [2, 3]);
    track(sent.id);
    await expect(sent.get({ timeoutMs: 10_000 })).resolves.toBe(5);
    const raw = await redis.get(`celery-task-meta-${sent.id}`);
    const meta = JSON.parse(raw ?? 'null') as Record<string, unknown>;
    expect(meta).toMatchObject({
      status: 'SUCCESS',
      result: 5,
      traceback: null,
      children: [],
      task_id: sent.id,
      name: 'rr.add',
      args: [2, 3],
      kwargs: {},
      retries: 0,
      queue,
    });
    expect(meta['date_done']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(Object.keys(meta).at(-1)).toBe('task_id');
    const ttl = await redis.ttl(`celery-task-meta-${sent.id}`);
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('another process reads a result by id; an unknown id is PENDING', async () => {
    const sent = await worker.client.send<number>('rr.add', [20, 22]);
    track(sent.id);
    await expect(reader.client.result<number>(sent.id).get({ timeoutMs: 10_000 })).resolves.toBe(
      42,
    );
    const unknown = reader.client.result(track(randomUUID()));
    await expect(unknown.refresh()).resolves.toBe('PENDING');
    await expect(unknown.get({ timeoutMs: 300 })).rejects.toBeInstanceOf(ResultTimeoutError);
  });

  it('a failure is stored as FAILURE and re-raised; forget() deletes the result', async () => {
    const sent = await worker.client.send('rr.fail', ['boom']);
    track(sent.id);
    const err = await sent.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).excType).toBe('ValueError');
    const handle = reader.client.result(sent.id);
    await expect(handle.refresh()).resolves.toBe('FAILURE');
    await handle.forget();
    expect(await redis.exists(`celery-task-meta-${sent.id}`)).toBe(0);
    await expect(reader.client.result(sent.id).refresh()).resolves.toBe('PENDING');
  });

  it('a group saved by one process is restored by another', async () => {
    const group = await worker.client.group<number>([
      signature('rr.add', [1, 1]),
      signature('rr.add', [2, 2]),
    ]);
    track(group.id);
    group.results.forEach((r) => track(r.id));
    await worker.client.saveGroup(group);
    const restored = await reader.client.restoreGroup<number>(group.id);
    expect(restored?.results.map((r) => r.id)).toEqual(group.results.map((r) => r.id));
    await expect(restored?.get({ timeoutMs: 10_000 })).resolves.toEqual([2, 4]);
    await reader.client.forgetGroup(group.id);
    await expect(reader.client.restoreGroup(group.id)).resolves.toBeNull();
  });

  it('chord: the body runs once with the header results in order', async () => {
    const header = Array.from({ length: 10 }, (_, i) => signature('rr.add', [i, i]));
    const body = signature<number>('rr.tsum');
    const result = await worker.client.chord(header, body);
    header.forEach((s) => track(s.id));
    track(body.id);
    await expect(result.get({ timeoutMs: 15_000 })).resolves.toBe(90);
  });

  it("chord: a failing member fails the body with Celery's ChordError and runs its link_error", async () => {
    const bad = signature('rr.fail', ['member broke']);
    const onError = signature('rr.on_error');
    const body = signature('rr.tsum', [], {}, { linkError: onError });
    const result = await worker.client.chord([signature('rr.add', [1, 1]), bad], body);
    [bad.id, body.id, onError.id].forEach(track);
    const err = await result.get({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).excType).toBe('ChordError');
    expect((err as TaskFailedError).excModule).toBe('celery.exceptions');
    expect(String((err as TaskFailedError).excMessage[0])).toBe(
      `Dependency ${bad.id} raised ValueError('member broke')`,
    );
    await expect(worker.client.result(onError.id).get({ timeoutMs: 10_000 })).resolves.toBe(
      body.id,
    );
    expect(errbackCalls).toContain(body.id);
  });

  it('chord: an expired member is counted as REVOKED and fails the chord instead of hanging it', async () => {
    // Already past when sent: with a 1 ms expiry a fast worker could still start the member in time.
    const stale = signature('rr.add', [1, 1], {}, { expires: new Date(Date.now() - 1_000) });
    const result = await worker.client.chord(
      [signature('rr.add', [2, 2]), stale],
      signature('rr.tsum'),
    );
    [stale.id, result.id].forEach(track);
    const err = await result.get({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).excType).toBe('ChordError');
    expect(String((err as TaskFailedError).excMessage[0])).toContain(
      `Dependency ${stale.id} raised`,
    );
  });

  it("chain into a chord: the worker that finishes the step starts the header with the step's result", async () => {
    const header = [0, 1, 2].map((i) => signature('rr.add', [i]));
    const result = await worker.client.chain<number>([
      signature('rr.add', [1, 1]),
      chordSignature(header, signature<number>('rr.tsum')),
    ]);
    [result.id, ...header.map((s) => s.id)].forEach(track);
    // tsum([2 + 0, 2 + 1, 2 + 2])
    await expect(result.get({ timeoutMs: 15_000 })).resolves.toBe(9);
    await expect(result.parent?.get({ timeoutMs: 1_000 })).resolves.toBe(2);
  });

  it('get() without a timeout ends when the client closes', async () => {
    const extra = await startClient({ defaultQueue: queue, resultBackend: REDIS_URL });
    const waiting = extra.client.result(track(randomUUID())).get({ timeoutMs: 0 });
    const settled = waiting.catch((e: unknown) => e);
    await extra.close();
    const err = await settled;
    expect(err).toBeInstanceOf(ResultUnavailableError);
    expect((err as ResultUnavailableError).reason).toBe('closed');
  });
});
