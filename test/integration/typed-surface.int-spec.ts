import { Injectable } from '@nestjs/common';
import {
  IllegalStateError,
  Task,
  TaskFailedError,
  deadLetterQueueName,
  defineTask,
  signature,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

/** Parameter names declared once, on the reference; the handler's decorator repeats nothing. */
const add = defineTask<[x: number, y: number], number>('typed.add', { params: ['x', 'y'] });
const audit = defineTask<[event: string], boolean>('typed.audit', { ignoreResult: true });
const explode = defineTask<[message: string], never>('typed.explode');

@Injectable()
class TypedTasks {
  readonly audited: string[] = [];

  @Task(add)
  add(x: number, y: number): number {
    return x + y;
  }

  @Task(audit)
  audit(event: string): boolean {
    this.audited.push(event);
    return true;
  }

  @Task(explode)
  explode(message: string): never {
    throw new Error(message);
  }
}

describe('the typed surface on the real broker', () => {
  const queue = uniqueName('typed');
  let worker: TestWorker;
  let probe: BrokerProbe;
  let tasks: TypedTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [TypedTasks]);
    tasks = worker.app.get(TypedTasks);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('delay() takes a typed reference; keyword arguments bind by the names the reference declares', async () => {
    const positional = await worker.client.delay(add, 2, 3);
    await expect(positional.get({ timeoutMs: 5_000 })).resolves.toBe(5);
    const keywords = await worker.client.send('typed.add', [], { y: 10, x: 1 });
    await expect(keywords.get({ timeoutMs: 5_000 })).resolves.toBe(11);
  });

  it('too few arguments fail as Python does, naming the missing parameter', async () => {
    const result = await worker.client.send('typed.add', [2]);
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect([error.excType, error.excModule]).toEqual(['TypeError', 'builtins']);
    expect(error.excMessage).toEqual(["typed.add() missing 1 required positional argument: 'y'"]);
  });

  it('a reference with ignoreResult makes get() fail at once instead of waiting', async () => {
    const result = await worker.client.send(audit, ['login']);
    await expect(result.get({ timeoutMs: 60_000 })).rejects.toThrow(IllegalStateError);
    await expect.poll(() => tasks.audited).toContain('login');
  });

  it("a thrown Error reaches a Nest caller as Error, with the worker's stack as the cause", async () => {
    const result = await worker.client.send(explode, ['no stock']);
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error.message).toBe(`Task ${result.id} failed: Error: no stock`);
    expect(error.errorType).toBe('Error');
    expect([error.excType, error.excModule]).toEqual(['Exception', 'builtins']);
    expect((error.cause as Error).stack).toMatch(/^Error: no stock\n\s+at TypedTasks\.explode/);
  });

  it('signature() checks a reference call: every argument, or all but the one a chain step receives', async () => {
    const steps = [signature(add, [1, 1]), signature(add, [10])];
    // @ts-expect-error three arguments to a task of two
    signature(add, [1, 2, 3]);
    // @ts-expect-error a string where the reference says number
    signature(add, ['1', 2]);
    const last = await worker.client.chain<number>(steps);
    await expect(last.get({ timeoutMs: 5_000 })).resolves.toBe(12);
  });
});
