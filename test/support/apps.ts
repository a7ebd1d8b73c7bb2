import type {
  INestApplicationContext,
  INestMicroservice,
  LoggerService,
  Provider,
  Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DynamicModule } from '@nestjs/common';

type ModuleImport = Type | DynamicModule;
import { TaskClient, TaskQueueModule, TaskQueueServer, type TaskQueueOptions } from 'celeriac';
import { RABBITMQ_URL, TEST_DELAY_PREFIX, TEST_REVOCATION_STREAM } from './broker.js';

/** A Nest logger that keeps what it was told, so tests can assert "one warning" without reading stdout. */
export class CapturingLogger implements LoggerService {
  readonly entries: { level: string; message: string; context: string | undefined }[] = [];
  constructor(
    private readonly echo: readonly string[] = process.env['CELERIAC_TEST_LOGS']
      ? ['log', 'warn', 'error']
      : [],
  ) {}
  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push(
      'error',
      message,
      typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined,
    );
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.push('verbose', message, context);
  }
  lines(level: string, match: RegExp | string): string[] {
    return this.entries
      .filter(
        (e) =>
          e.level === level &&
          (typeof match === 'string' ? e.message.includes(match) : match.test(e.message)),
      )
      .map((e) => e.message);
  }
  private push(level: string, message: unknown, context: string | undefined): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.entries.push({ level, message: text, context });
    if (this.echo.includes(level)) process.stderr.write(`[${level}] ${context ?? ''} ${text}\n`);
  }
}

export interface TestWorker {
  readonly app: INestMicroservice;
  readonly server: TaskQueueServer;
  readonly client: TaskClient;
  readonly logger: CapturingLogger;
  close(): Promise<void>;
}

/** Boots a worker (and its client) on the real broker with these options and task providers. */
export async function startWorker(
  options: TaskQueueOptions,
  providers: Provider[],
  controllers: Type[] = [],
  /** More modules for the app (Terminus, say). */
  imports: ModuleImport[] = [],
): Promise<TestWorker> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TaskQueueModule.forRoot({
        url: RABBITMQ_URL,
        delayPrefix: TEST_DELAY_PREFIX,
        revocation: { stream: TEST_REVOCATION_STREAM },
        ...options,
      }),
      ...imports,
    ],
    providers,
    controllers,
  })
    .setLogger(logger)
    .compile();
  const server = moduleRef.get(TaskQueueServer);
  const app = moduleRef.createNestMicroservice({ strategy: server, logger });
  await app.listen();
  return {
    app,
    server,
    client: app.get(TaskClient),
    logger,
    close: () => app.close(),
  };
}

export interface TestClient {
  readonly app: INestApplicationContext;
  readonly client: TaskClient;
  readonly logger: CapturingLogger;
  close(): Promise<void>;
}

/** Boots a producer-only app (no worker). */
export async function startClient(options: TaskQueueOptions): Promise<TestClient> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TaskQueueModule.forRoot({
        url: RABBITMQ_URL,
        delayPrefix: TEST_DELAY_PREFIX,
        revocation: { stream: TEST_REVOCATION_STREAM },
        ...options,
      }),
    ],
  })
    .setLogger(logger)
    .compile();
  const app = await moduleRef.init();
  return { app, client: app.get(TaskClient), logger, close: () => app.close() };
}
