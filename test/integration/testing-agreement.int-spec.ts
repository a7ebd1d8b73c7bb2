import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import {
  Task,
  TaskClient,
  TaskFailedError,
  deadLetterQueueName,
  defineTask,
  signature,
  type AsyncResult,
  type TaskContext,
} from 'celeriac';
import { TaskQueueTester, TaskQueueTestingModule } from 'celeriac/testing';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker } from '../support/apps.js';

class Transient extends Error {
  override readonly name = 'Transient';
}

const add = defineTask<[x: number, y: number], number>('agree.add', { params: ['x', 'y'] });
const flaky = defineTask<[label: string], string>('agree.flaky');
const explode = defineTask<[message: string], never>('agree.explode');
const resize = defineTask('agree.resize', { args: z.tuple([z.number().int().positive()]) });

@Injectable()
class ScenarioTasks {
  @Task(add)
  add(x: number, y: number): number {
    return x + y;
  }

  @Task(flaky, { autoretryFor: [Transient], retryBackoff: 0.05, retryJitter: false })
  flaky(label: string, ctx: TaskContext): string {
    if (ctx.retries === 0) throw new Transient('first try fails');
    return `${label} after ${ctx.retries} retry`;
  }

  @Task(explode)
  explode(message: string): never {
    throw new Error(message);
  }

  @Task(resize)
  resize(width: number): number {
    return width;
  }
}

/** How one task ended, in terms both sides must agree on. */
interface Ending {
  readonly state: string;
  readonly value?: unknown;
  readonly excType?: string;
  readonly excMessage?: readonly unknown[];
}

async function ending(result: AsyncResult): Promise<Ending> {
  try {
    const value = await result.get({ timeoutMs: 10_000 });
    return { state: result.state, value };
  } catch (err: unknown) {
    if (!(err instanceof TaskFailedError)) throw err;
    return { state: result.state, excType: err.excType, excMessage: err.excMessage };
  }
}

/** The scenario: a plain call, a retry with backoff, a chain, a thrown Error, a schema refusal. */
async function scenario(client: TaskClient, drive: () => Promise<void>): Promise<Ending[]> {
  const results = [
    await client.send(add, [2, 3]),
    await client.send(flaky, ['ok']),
    await client.chain([signature(add, [1, 1]), signature(add, [10])]),
    await client.send(explode, ['no stock']),
    await client.send('agree.resize', [-5]),
  ];
  await drive();
  return Promise.all(results.map((r) => ending(r)));
}

describe('the test mode and the real broker agree', () => {
  const queue = uniqueName('agree');
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });

  afterAll(async () => {
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('gives the same states and results for one scenario', async () => {
    const worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, [
      ScenarioTasks,
    ]);
    const onBroker = await scenario(worker.client, () => Promise.resolve());
    await worker.close();

    const moduleRef = await Test.createTestingModule({
      imports: [TaskQueueTestingModule.forRoot({ defaultQueue: queue })],
      providers: [ScenarioTasks],
    }).compile();
    await moduleRef.init();
    const tester = moduleRef.get(TaskQueueTester);
    const inMemory = await scenario(moduleRef.get(TaskClient), async () => {
      await tester.runAll();
      // The retry is due 50 ms later, on the real clock here.
      await expect
        .poll(async () => {
          await tester.runAll();
          return tester.sent().length;
        })
        .toBe(0);
    });
    await moduleRef.close();

    expect(onBroker).toEqual([
      { state: 'SUCCESS', value: 5 },
      { state: 'SUCCESS', value: 'ok after 1 retry' },
      { state: 'SUCCESS', value: 12 },
      { state: 'FAILURE', excType: 'Exception', excMessage: ['no stock'] },
      {
        state: 'FAILURE',
        excType: 'ValidationError',
        excMessage: [expect.stringMatching(/^agree\.resize\(\) got arguments that do not match/)],
      },
    ]);
    expect(inMemory).toEqual(onBroker);
  });
});
