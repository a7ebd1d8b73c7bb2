import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  deadLetterQueueName,
  TaskClient,
  TaskQueueHealthIndicator,
  TaskQueueModule,
  TaskQueueServer,
  type TaskQueueOptions,
} from 'celeriac';
import {
  BrokerProbe,
  RABBITMQ_URL,
  TEST_DELAY_PREFIX,
  TEST_REVOCATION_STREAM,
  uniqueName,
  unreachableBrokerUrl,
} from '../support/broker.js';

/** The controller of docs/observability.md, as a user mounts it. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly taskQueue: TaskQueueHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.taskQueue.isLive()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.taskQueue.isReady()]);
  }
}

/** An HTTP app (Express, through @nestjs/platform-express) with the health controller, on a free port. */
async function createHttpApp(options: TaskQueueOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TaskQueueModule.forRoot({
        delayPrefix: TEST_DELAY_PREFIX,
        revocation: { stream: TEST_REVOCATION_STREAM },
        ...options,
      }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [HealthController],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

/** Listens on a free port of 127.0.0.1; the base URL. */
async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** Status and JSON body of a GET. */
async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/**
 * TaskQueueHealthIndicator behind real HTTP routes (Terminus in an Express app): the status codes and
 * bodies a Kubernetes probe sees, with the broker reachable (a hybrid worker app) and not (an API app
 * whose broker refuses connections).
 */
describe('TaskQueueHealthIndicator over HTTP', () => {
  it('answers 200 on /health/ready and /health/live while a hybrid worker app consumes', async () => {
    const queue = uniqueName('health-http');
    const probe = await BrokerProbe.open();
    const app = await createHttpApp({
      url: RABBITMQ_URL,
      defaultQueue: queue,
      worker: { queues: [queue] },
    });
    try {
      app.connectMicroservice({ strategy: app.get(TaskQueueServer) }, { inheritAppConfig: true });
      await app.startAllMicroservices();
      const base = await listen(app);
      const ready = await get(`${base}/health/ready`);
      expect(ready).toMatchObject({
        status: 200,
        body: {
          status: 'ok',
          info: { taskQueue: { status: 'up', problems: [], consuming: [queue] } },
        },
      });
      expect(await get(`${base}/health/live`)).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { taskQueue: { status: 'up' } } },
      });
    } finally {
      await app.close();
      await probe.deleteQueues(queue, deadLetterQueueName(queue));
      await probe.deleteExchanges(queue);
      await probe.close();
    }
  });

  it('answers 503 on /health/ready, naming the connection that is down, and 200 on /health/live', async () => {
    const app = await createHttpApp({
      url: await unreachableBrokerUrl(),
      defaultQueue: uniqueName('health-http-down'),
      publishTimeoutMs: 1_000,
      reconnectDelayMs: 100,
    });
    try {
      const base = await listen(app);
      // The publish connection opens with the first send; it cannot, so the send times out.
      await expect(app.get(TaskClient).send('health.any', [])).rejects.toThrow(/RabbitMQ/);
      const ready = await get(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        status: 'error',
        error: { taskQueue: { status: 'down' } },
      });
      const problems = (ready.body as { error: { taskQueue: { problems: string[] } } }).error
        .taskQueue.problems;
      expect(problems).toContainEqual(
        expect.stringMatching(/^the publish connection is down \(.*ECONNREFUSED.*\), since /),
      );
      for (const problem of problems) expect(problem).toMatch(/connection is down .*ECONNREFUSED/);
      // A broker outage leaves the process alive: restarting it cannot bring the broker back.
      expect(await get(`${base}/health/live`)).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { taskQueue: { status: 'up' } } },
      });
    } finally {
      await app.close();
    }
  });
});
