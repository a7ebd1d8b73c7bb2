import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  Task,
  TaskClient,
  TaskQueueModule,
  TaskQueueServer,
  deadLetterQueueName,
  type TaskQueueOptions,
} from 'celeriac';
import {
  BrokerProbe,
  RABBITMQ_URL,
  TEST_DELAY_PREFIX,
  TEST_REVOCATION_STREAM,
  uniqueName,
} from '../support/broker.js';
import { CapturingLogger, startWorker } from '../support/apps.js';

@Injectable()
class GreetingTasks {
  @Task('greetings.hello')
  hello(name: string): string {
    return `hello ${name}`;
  }
}

function moduleOptions(queue: string, queues: string[] = [queue]): TaskQueueOptions {
  return {
    url: RABBITMQ_URL,
    delayPrefix: TEST_DELAY_PREFIX,
    revocation: { stream: TEST_REVOCATION_STREAM },
    defaultQueue: queue,
    worker: { queues },
  };
}

describe('misconfigurations that used to fail in silence', () => {
  let probe: BrokerProbe;
  const queues: string[] = [];

  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });

  afterAll(async () => {
    for (const q of queues) {
      await probe.deleteQueues(q, deadLetterQueueName(q));
      await probe.deleteExchanges(q);
    }
    await probe.close();
  });

  it("runs the tasks of a hybrid app started as Nest's docs show, without app.init()", async () => {
    const queue = uniqueName('hybrid');
    queues.push(queue);
    @Module({
      imports: [TaskQueueModule.forRoot(moduleOptions(queue))],
      providers: [GreetingTasks],
    })
    class HybridModule {}
    const logger = new CapturingLogger();
    const app = await NestFactory.create(HybridModule, { logger });
    try {
      app.connectMicroservice({ strategy: app.get(TaskQueueServer) });
      await app.startAllMicroservices();
      const result = await app.get(TaskClient).send('greetings.hello', ['hybrid']);
      await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('hello hybrid');
      expect(await probe.depth(deadLetterQueueName(queue))).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('warns loudly when a worker starts with no tasks at all', async () => {
    const queue = uniqueName('empty');
    queues.push(queue);
    const worker = await startWorker({ defaultQueue: queue, worker: { queues: [queue] } }, []);
    try {
      expect(worker.logger.lines('warn', /no tasks/i)).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('unwinds a worker start that failed, so nothing keeps consuming and listen() can be tried again', async () => {
    const good = uniqueName('start-good');
    const clash = uniqueName('start-clash');
    queues.push(good, clash);
    // Declared with other arguments than the worker's: its declaration fails (406) and so does the start.
    await probe.declareQueue(clash, { durable: true, arguments: { 'x-max-priority': 5 } });
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [TaskQueueModule.forRoot(moduleOptions(good, [good, clash]))],
      providers: [GreetingTasks],
    })
      .setLogger(logger)
      .compile();
    const server = moduleRef.get(TaskQueueServer);
    const app = moduleRef.createNestMicroservice({ strategy: server, logger });
    try {
      await expect(app.listen()).rejects.toThrow(/PRECONDITION_FAILED|arguments/i);
      await expect.poll(() => probe.consumers(good), { timeout: 5_000 }).toBe(0);

      await probe.deleteQueues(clash);
      await app.listen();
      const result = await app
        .get(TaskClient)
        .send('greetings.hello', ['again'], {}, { queue: clash });
      await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe('hello again');
    } finally {
      await app.close();
    }
  });
});
