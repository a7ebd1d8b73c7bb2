import { Test } from '@nestjs/testing';
import {
  TaskClient,
  TaskQueueModule,
  TaskQueueRuntime,
  TaskQueueServer,
  type TaskQueueOptions,
} from 'celeriac';
import { CapturingLogger } from '../../support/apps.js';

/** What a boot or a send that should fail left behind: the error, and everything the app logged. */
export interface Failure {
  readonly error: unknown;
  readonly elapsedMs: number;
  readonly logger: CapturingLogger;
  /** The client's health report after the failure (what a health endpoint or metrics would show). */
  readonly health: unknown;
}

/** Boots a worker that is expected to fail to connect; always closes it. */
export async function failingWorkerBoot(options: TaskQueueOptions): Promise<Failure> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({ imports: [TaskQueueModule.forRoot(options)] })
    .setLogger(logger)
    .compile();
  const server = moduleRef.get(TaskQueueServer);
  const app = moduleRef.createNestMicroservice({ strategy: server, logger });
  const start = Date.now();
  let error: unknown = null;
  try {
    await app.listen();
  } catch (err: unknown) {
    error = err;
  }
  const elapsedMs = Date.now() - start;
  const health: unknown = server.health();
  await app.close().catch(() => undefined);
  return { error, elapsedMs, logger, health };
}

/** Sends one task from a client that is expected to fail to reach the broker; always closes it. */
export async function failingSend(options: TaskQueueOptions): Promise<Failure> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({ imports: [TaskQueueModule.forRoot(options)] })
    .setLogger(logger)
    .compile();
  const app = await moduleRef.init();
  const start = Date.now();
  let error: unknown = null;
  try {
    await app.get(TaskClient).send('security.noop', [], {}, { ignoreResult: true });
  } catch (err: unknown) {
    error = err;
  }
  const elapsedMs = Date.now() - start;
  const health: unknown = app.get(TaskQueueRuntime).health();
  await app.close().catch(() => undefined);
  return { error, elapsedMs, logger, health };
}

/** Everything a failure exposes as text: message, stack, own fields, causes, logs, health. */
export function exposedText(failure: Failure): string {
  const parts: string[] = [];
  let err: unknown = failure.error;
  for (let depth = 0; err instanceof Error && depth < 5; depth++) {
    parts.push(err.message, err.stack ?? '', String(err), safeJson(Object.entries(err)));
    err = err.cause;
  }
  if (err !== undefined && err !== null && !(err instanceof Error)) parts.push(safeJson(err));
  for (const entry of failure.logger.entries) parts.push(entry.message);
  parts.push(safeJson(failure.health));
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '';
  }
}
