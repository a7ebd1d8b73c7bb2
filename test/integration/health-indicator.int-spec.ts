import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  deadLetterQueueName,
  Task,
  TaskQueueHealthIndicator,
  type TaskQueueIndicatorResult,
} from 'celeriac';
import { startWorker, type TestWorker } from '../support/apps.js';
import { BrokerProbe, uniqueName } from '../support/broker.js';

@Injectable()
class HealthTasks {
  @Task({ name: 'h.noop' })
  noop(): void {
    return undefined;
  }
}

/**
 * The indicator inside Terminus's own `HealthCheckService`, in a worker on the real broker: ready while
 * consuming, not ready once it drains, and alive throughout. Terminus is called directly here, to reach
 * the drain; health-http.int-spec.ts has the same routes over HTTP.
 */
describe('TaskQueueHealthIndicator with @nestjs/terminus', () => {
  const queue = uniqueName('health');
  let worker: TestWorker;
  let health: HealthCheckService;
  let indicator: TaskQueueHealthIndicator;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue] } },
      [HealthTasks],
      [],
      [TerminusModule.forRoot({ logger: false })],
    );
    health = worker.app.get(HealthCheckService);
    indicator = worker.app.get(TaskQueueHealthIndicator);
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  /** What Terminus answers: its result when healthy, the 503 body when not. */
  async function check(indicate: () => Promise<TaskQueueIndicatorResult>): Promise<unknown> {
    try {
      return await health.check([indicate]);
    } catch (err: unknown) {
      if (err instanceof ServiceUnavailableException)
        return { http: 503, ...(err.getResponse() as object) };
      throw err;
    }
  }

  it('is ready and alive while the worker consumes every queue', async () => {
    expect(await check(() => indicator.isReady())).toMatchObject({
      status: 'ok',
      info: { taskQueue: { status: 'up', problems: [], consuming: [queue] } },
    });
    expect(await check(() => indicator.isLive())).toMatchObject({ status: 'ok' });
  });

  it('is not ready once the worker drains, and still alive', async () => {
    await worker.server.close();
    expect(await check(() => indicator.isReady())).toMatchObject({
      http: 503,
      status: 'error',
      error: { taskQueue: { status: 'down', problems: ['the worker is closed'] } },
    });
    expect(await check(() => indicator.isLive())).toMatchObject({ status: 'ok' });
  });
});
