import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  DEAD_LETTER_HEADERS,
  InvalidTaskArgumentsError,
  Task,
  TaskFailedError,
  deadLetterQueueName,
  defineTask,
} from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

const resize = defineTask('contracts.resize', {
  args: z.tuple([z.url(), z.number().int().positive()]),
  result: z.string(),
});

/** Its arguments are fine; its handler breaks the result contract. */
const label = defineTask('contracts.label', { args: z.tuple([z.number()]), result: z.string() });

/** Coerces an ISO string (what JSON carries) to a Date before the handler sees it. */
const dayOf = defineTask('contracts.day_of', { args: z.tuple([z.coerce.date()]) });

@Injectable()
class ContractTasks {
  runs = 0;

  // autoretryFor matches every Error: a ValidationError must still never be retried.
  @Task(resize, { autoretryFor: [Error], retryBackoff: 0.05 })
  resize(url: string, width: number): string {
    this.runs += 1;
    return `${url}?w=${width}`;
  }

  @Task(label)
  label(n: number): string {
    return n as unknown as string;
  }

  @Task(dayOf)
  dayOf(when: Date): number {
    return when.getUTCDate();
  }
}

describe('task contracts on the real broker', () => {
  const queue = uniqueName('contracts');
  const dead = deadLetterQueueName(queue);
  let worker: TestWorker;
  let probe: BrokerProbe;
  let tasks: ContractTasks;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [
      ContractTasks,
    ]);
    tasks = worker.app.get(ContractTasks);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, dead);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('runs a call that matches the schema', async () => {
    const result = await worker.client.send(resize, ['https://example.org/a.png', 200]);
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('https://example.org/a.png?w=200');
  });

  it('the client refuses bad arguments before publishing, with the schema issues', async () => {
    const before = tasks.runs;
    const error: unknown = await worker.client
      .send(resize, ['not a url', -1])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskArgumentsError);
    const invalid = error as InvalidTaskArgumentsError;
    expect(invalid.task).toBe('contracts.resize');
    expect(invalid.issues.map((i) => i.path)).toEqual([[0], [1]]);
    expect(invalid.message).toMatch(
      /^Invalid arguments for task contracts\.resize: \[0\]: .+; \[1\]: /,
    );
    expect(await probe.depth(queue)).toBe(0);
    expect(tasks.runs).toBe(before);
  });

  it('the worker refuses a bad message from another sender: FAILURE, dead-lettered, never retried', async () => {
    const before = tasks.runs;
    // By name: no reference, no client-side check, as a Python or older producer would send it.
    const result = await worker.client.send('contracts.resize', [
      'https://example.org/a.png',
      'wide',
    ]);
    const error: unknown = await result.get({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.excType).toBe('ValidationError');
    expect(failed.excModule).toBe('celeriac');
    expect(String(failed.excMessage[0])).toMatch(
      /^contracts\.resize\(\) got arguments that do not match its schema: \[1\]: /,
    );
    expect(tasks.runs).toBe(before);
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    const headers = (await probe.get(dead))?.properties.headers ?? {};
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('task-failed');
    expect(headers[DEAD_LETTER_HEADERS.excType]).toBe('ValidationError');
    expect(headers[DEAD_LETTER_HEADERS.attempts]).toBe(1);
    expect(String(headers[DEAD_LETTER_HEADERS.detail])).toContain('do not match its schema');
    // One shape for the exception's arguments: the dead letter carries what the caller got.
    expect(JSON.parse(String(headers[DEAD_LETTER_HEADERS.excArgs]))).toEqual(failed.excMessage);
    expect(worker.logger.lines('warn', result.id)).toEqual([]);
  });

  it('too few arguments fail the schema instead of running the handler with undefined', async () => {
    const result = await worker.client.send('contracts.resize', ['https://example.org/a.png']);
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ValidationError');
    expect(String(error.excMessage[0])).toContain('expected array to have >=2 items');
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    expect(await probe.get(dead)).not.toBeNull();
  });

  it('a result that breaks the result schema is a FAILURE', async () => {
    const result = await worker.client.send(label, [7]);
    const error = (await result
      .get({ timeoutMs: 5_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error.excType).toBe('ValidationError');
    expect(String(error.excMessage[0])).toMatch(
      /^contracts\.label\(\) returned a result that does not match/,
    );
    await expect.poll(() => probe.depth(dead), { timeout: 5_000 }).toBe(1);
    expect(await probe.get(dead)).not.toBeNull();
  });

  it("the handler gets the schema's output (a coerced Date)", async () => {
    const result = await worker.client.send('contracts.day_of', ['2026-12-04T10:00:00Z']);
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(4);
  });
});
