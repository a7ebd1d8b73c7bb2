// The example of docs/testing.md, as it runs in Vitest (the page shows the same test in Jest).
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Task, TaskClient, defineTask, type TaskContext } from 'celeriac';
import { TaskQueueTester, TaskQueueTestingModule } from 'celeriac/testing';

class GatewayDown extends Error {
  override readonly name = 'GatewayDown';
}

const chargeOrder = defineTask<[orderId: string], string>('orders.charge', { params: ['orderId'] });

@Injectable()
class OrderTasks {
  @Task(chargeOrder, { autoretryFor: [GatewayDown], retryBackoff: 2, retryJitter: false })
  charge(orderId: string, ctx: TaskContext): string {
    if (ctx.retries === 0) throw new GatewayDown('payment gateway timed out');
    return `charged ${orderId}`;
  }
}

describe('charging an order', () => {
  let moduleRef: TestingModule;

  beforeEach(async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T09:00:00Z') });
    moduleRef = await Test.createTestingModule({
      imports: [TaskQueueTestingModule.forRoot()],
      providers: [OrderTasks],
    }).compile();
    await moduleRef.init();
  });

  afterEach(async () => {
    await moduleRef.close();
    vi.useRealTimers();
  });

  it('retries after 2 s when the gateway is down', async () => {
    const tasks = moduleRef.get(TaskClient);
    const queue = moduleRef.get(TaskQueueTester);
    const result = await tasks.send(chargeOrder, ['order-1']);

    await queue.runAll();
    expect(result.state).toBe('RETRY');
    expect(queue.sent({ task: chargeOrder })[0]?.eta).toEqual(new Date('2026-12-04T09:00:02Z'));

    vi.advanceTimersByTime(2_000);
    await queue.runAll();
    await expect(result.get()).resolves.toBe('charged order-1');
  });
});
