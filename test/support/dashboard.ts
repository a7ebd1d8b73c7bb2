import { request as httpRequest } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TaskQueueModule, type TaskQueueOptions } from 'celeriac';
import { TaskDashboardModule, type TaskDashboardOptions } from 'celeriac/dashboard';
import { CapturingLogger } from './apps.js';
import { RABBITMQ_URL, TEST_DELAY_PREFIX, TEST_REVOCATION_STREAM } from './broker.js';

/** The header the test guard reads: `admin` lets a request in, anything else is refused. */
export const TEST_USER_HEADER = 'x-test-user';

/** An app's own guard, as a real app would check a session: here, a header. */
@Injectable()
export class TestAdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    return request.headers[TEST_USER_HEADER] === 'admin';
  }
}

export interface DashboardApp {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** An API app with TaskQueueModule and one or more dashboards, listening on a free port of 127.0.0.1. */
export async function startDashboardApp(
  options: TaskQueueOptions,
  dashboards: readonly TaskDashboardOptions[],
  globalGuards: readonly CanActivate[] = [],
): Promise<DashboardApp> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TaskQueueModule.forRoot({
        url: RABBITMQ_URL,
        delayPrefix: TEST_DELAY_PREFIX,
        revocation: { stream: TEST_REVOCATION_STREAM },
        ...options,
      }),
      ...dashboards.map((dashboard) => TaskDashboardModule.register(dashboard)),
    ],
  })
    .setLogger(logger)
    .compile();
  const app = moduleRef.createNestApplication({ logger });
  app.useGlobalGuards(...globalGuards);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as { address(): { port: number } };
  const { port } = server.address();
  return { app, origin: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The body parsed as JSON, typed as the test expects it (unchecked). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a test's cast of what it expects
  json<T = unknown>(): T;
}

/**
 * One HTTP request with node:http, which (unlike fetch) sends any Host or forwarding header a test
 * needs to pretend a request came from elsewhere.
 */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see json()
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${url} in 15 s`)));
    req.end(body);
  });
}
