import {
  Controller,
  UseInterceptors,
  type CallHandler,
  type NestInterceptor,
} from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { map, type Observable } from 'rxjs';
import { TASK_TRANSPORT, TaskContext, deadLetterQueueName, type TaskMessage } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

class Shout implements NestInterceptor {
  intercept(_ctx: unknown, next: CallHandler<string>): Observable<string> {
    return next.handle().pipe(map((value) => value.toUpperCase()));
  }
}

/** A controller handler bound to Celeriac's transport, through Nest's interceptor pipeline. */
@Controller()
class GreetingController {
  @MessagePattern('greet.hello', TASK_TRANSPORT)
  @UseInterceptors(Shout)
  hello(@Payload() message: TaskMessage, @Ctx() ctx: TaskContext): string {
    return `hello ${String(message.args[0])} from ${ctx.queue}`;
  }
}

describe('@MessagePattern(name, TASK_TRANSPORT) controllers run as tasks', () => {
  const queue = uniqueName('pattern');
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue] } },
      [],
      [GreetingController],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('dispatches to the controller method, interceptors included', async () => {
    const result = await worker.client.send('greet.hello', ['ada']);
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(
      `HELLO ADA FROM ${queue.toUpperCase()}`,
    );
  });
});
