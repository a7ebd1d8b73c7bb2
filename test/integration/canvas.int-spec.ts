import { Injectable } from '@nestjs/common';
import { Task, TaskFailedError, deadLetterQueueName, signature } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

@Injectable()
class MathTasks {
  @Task({ name: 'math.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  @Task('math.fail')
  fail(message: string): never {
    throw Object.assign(new Error(message), { excType: 'ValueError', excModule: 'builtins' });
  }

  @Task('math.record_error')
  recordError(taskId: string): string {
    return taskId;
  }
}

describe('canvas on the real broker: chain, group, link, link_error', () => {
  const queue = uniqueName('canvas');
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], concurrency: 10 } },
      [MathTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('chain: each step gets the previous result; every step reports to this client', async () => {
    const last = await worker.client.chain<number>([
      signature('math.add', [1, 1]),
      signature('math.add', [10]),
      signature('math.add', [100]),
    ]);
    await expect(last.get({ timeoutMs: 5_000 })).resolves.toBe(112);
    await expect(last.parent?.get({ timeoutMs: 5_000 })).resolves.toBe(12);
    await expect(last.parent?.parent?.get({ timeoutMs: 5_000 })).resolves.toBe(2);
  });

  it('chain: an immutable step ignores the previous result', async () => {
    const last = await worker.client.chain<number>([
      signature('math.add', [1, 1]),
      signature('math.add', [5, 5], {}, { immutable: true }),
    ]);
    await expect(last.get({ timeoutMs: 5_000 })).resolves.toBe(10);
  });

  it('chain: a failing step fails the chain and the rest never runs', async () => {
    const last = await worker.client.chain([
      signature('math.fail', ['stop here']),
      signature('math.add', [1]),
    ]);
    const first = last.parent;
    await expect(first?.get({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(TaskFailedError);
    expect(last.state).toBe('PENDING');
    await expect.poll(() => probe.depth(deadLetterQueueName(queue)), { timeout: 5_000 }).toBe(1);
    await probe.get(deadLetterQueueName(queue));
  });

  it('group of 10: results in order', async () => {
    const group = await worker.client.group<number>(
      Array.from({ length: 10 }, (_, i) => signature('math.add', [i, i * 10])),
    );
    await expect(group.get({ timeoutMs: 5_000 })).resolves.toEqual(
      Array.from({ length: 10 }, (_, i) => i * 11),
    );
    expect(group.ready()).toBe(true);
    expect(group.completedCount()).toBe(10);
  });

  it('link: the callback runs with the result and its own result reaches this client', async () => {
    const callback = signature('math.add', [100]);
    const parent = await worker.client.send('math.add', [2, 3], {}, { link: callback });
    await expect(parent.get({ timeoutMs: 5_000 })).resolves.toBe(5);
    await expect(worker.client.result(callback).get({ timeoutMs: 5_000 })).resolves.toBe(105);
  });

  it('link_error: the errback gets the failed task id', async () => {
    const errback = signature('math.record_error');
    const parent = await worker.client.send('math.fail', ['boom'], {}, { linkError: errback });
    await expect(parent.get({ timeoutMs: 5_000 })).rejects.toMatchObject({
      excType: 'ValueError',
      excMessage: ['boom'],
    });
    await expect(worker.client.result(errback).get({ timeoutMs: 5_000 })).resolves.toBe(parent.id);
    await expect.poll(() => probe.depth(deadLetterQueueName(queue)), { timeout: 5_000 }).toBe(1);
    await probe.get(deadLetterQueueName(queue));
  });

  it('a callback that cannot be routed fails that step, and the parent still succeeds', async () => {
    const stray = signature(
      'math.add',
      [1],
      {},
      { exchange: uniqueName('missing-x'), routingKey: 'nowhere' },
    );
    const parent = await worker.client.send('math.add', [1, 1], {}, { link: stray });
    await expect(parent.get({ timeoutMs: 5_000 })).resolves.toBe(2);
    await expect(worker.client.result(stray).get({ timeoutMs: 5_000 })).rejects.toMatchObject({
      excType: 'NotImplementedError',
    });
  });
});
