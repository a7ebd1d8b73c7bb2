import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  deadLetterQueueName,
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

/** The problems /health/ready names (none when it answers 200). */
async function readyProblems(base: string): Promise<string[]> {
  const { body } = await get(`${base}/health/ready`);
  const details = body as { error?: { taskQueue?: { problems?: string[] } } };
  return details.error?.taskQueue?.problems ?? [];
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers: a broker that hangs. */
class SilentServer {
  private readonly sockets = new Set<Socket>();
  private acceptedSoFar = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.acceptedSoFar++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<SilentServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new SilentServer(server, `amqp://guest:guest@127.0.0.1:${port}`);
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.acceptedSoFar;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

/**
 * TaskQueueHealthIndicator behind real HTTP routes (Terminus in an Express app): the status codes and
 * bodies a Kubernetes probe sees, with the broker reachable (a hybrid worker app, an API app) and not (an
 * API app whose broker refuses connections, or accepts them and never answers). The API apps send
 * nothing: their readiness must not depend on a first send.
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
      reconnectDelayMs: 100,
    });
    try {
      const base = await listen(app);
      // Nothing is sent: an API app gets no traffic until it is ready, so readiness alone must find the
      // outage. The publish connection opened as the app started; its first attempt is refused.
      await expect
        .poll(() => readyProblems(base))
        .toContainEqual(
          expect.stringMatching(/^the publish connection is down \(.*ECONNREFUSED.*\), since /),
        );
      const ready = await get(`${base}/health/ready`);
      expect(ready).toMatchObject({
        status: 503,
        body: { status: 'error', error: { taskQueue: { status: 'down' } } },
      });
      for (const problem of await readyProblems(base)) {
        expect(problem).toMatch(/connection is down .*ECONNREFUSED/);
      }
      // A broker outage leaves the process alive: restarting it cannot bring the broker back.
      expect(await get(`${base}/health/live`)).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { taskQueue: { status: 'up' } } },
      });
    } finally {
      await app.close();
    }
  });

  it('answers 503 on /health/ready while the first connect is under way, and 200 on /health/live', async () => {
    // A port that accepts TCP and never speaks AMQP: the first attempt neither succeeds nor fails.
    const silent = await SilentServer.start();
    const app = await createHttpApp({
      url: silent.url,
      defaultQueue: uniqueName('health-http-connecting'),
      connectTimeoutMs: 20_000,
    });
    try {
      const base = await listen(app);
      await expect.poll(() => silent.accepted).toBeGreaterThan(0);
      expect(await get(`${base}/health/ready`)).toMatchObject({
        status: 503,
        body: {
          status: 'error',
          error: {
            taskQueue: {
              status: 'down',
              problems: [
                expect.stringMatching(
                  /^the publish connection has not connected yet \(connecting since /,
                ),
              ],
            },
          },
        },
      });
      expect(await get(`${base}/health/live`)).toMatchObject({ status: 200 });
    } finally {
      // Ends the attempt at once, so that closing the app does not wait for its timeout.
      await silent.close();
      await app.close();
    }
  });

  it('answers 200 on /health/ready of an API app that has sent nothing', async () => {
    const app = await createHttpApp({ url: RABBITMQ_URL, defaultQueue: uniqueName('health-api') });
    try {
      const base = await listen(app);
      await expect.poll(async () => (await get(`${base}/health/ready`)).status).toBe(200);
      expect(await get(`${base}/health/ready`)).toMatchObject({
        body: { status: 'ok', info: { taskQueue: { status: 'up', problems: [] } } },
      });
    } finally {
      await app.close();
    }
  });
});
