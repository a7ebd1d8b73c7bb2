import { Test } from '@nestjs/testing';
import {
  hasErrorCode,
  PublishTimeoutError,
  TaskQueueError,
  TaskQueueModule,
  TaskQueueRuntime,
  TaskQueueServer,
} from 'celeriac';
import { uniqueName, unreachableBrokerUrl } from '../support/broker.js';
import { CapturingLogger, startClient, type TestClient } from '../support/apps.js';

/** A wrong broker address, as a new user might configure it: the password must never show. */
const PASSWORD = 's3cret-pw';
const PUBLISH_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_500;
/** Slack for timers and the event loop on a busy 2-core machine. */
const SLACK_MS = 1_500;

/** How many of `attempts` failed connects in a row get a warning: 1, 2, 3, then each power of two. */
function warnedUpTo(attempts: number): number {
  return attempts <= 3 ? attempts : 2 + Math.floor(Math.log2(attempts));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('a wrong broker address', () => {
  let url: string;
  let app: TestClient;

  beforeAll(async () => {
    url = await unreachableBrokerUrl(PASSWORD);
    app = await startClient({
      url,
      defaultQueue: uniqueName('unreachable'),
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      reconnectDelayMs: 100,
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('fails the first send that wants a result with a PublishTimeoutError naming the redacted URL, within publishTimeoutMs', async () => {
    const started = Date.now();
    const err = await rejection(app.client.send('unreachable.task', [1]));
    const elapsed = Date.now() - started;

    expect(err).toBeInstanceOf(PublishTimeoutError);
    expect(hasErrorCode(err, 'TASK_QUEUE_PUBLISH_FAILED')).toBe(true);
    const timeout = err as PublishTimeoutError;
    expect(timeout.brokerState).toBe('unreachable');
    expect(timeout.maybeEnqueued).toBe(false);
    expect(timeout.message).toContain(url.replace(PASSWORD, '***'));
    expect(timeout.message).not.toContain(PASSWORD);
    expect(elapsed).toBeLessThan(PUBLISH_TIMEOUT_MS + SLACK_MS);
  });

  it('fails every later send within its bound too, not only the first', async () => {
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const err = await rejection(app.client.send('unreachable.task', [i]));
      expect(err).toBeInstanceOf(PublishTimeoutError);
      expect(Date.now() - started).toBeLessThan(PUBLISH_TIMEOUT_MS + SLACK_MS);
    }
  });

  it('warns about failed reconnects with backoff, counting the attempts', async () => {
    const runtime = app.app.get(TaskQueueRuntime);
    await vi.waitFor(
      () => {
        expect(runtime.health().connections.consume?.failedAttempts).toBeGreaterThanOrEqual(20);
      },
      { timeout: 20_000, interval: 100 },
    );
    const warnings = app.logger.lines('warn', 'Cannot connect to');
    // Read after the warnings, so the bound can only be generous: each connection is warned about at
    // attempts 1, 2, 3, then 4, 8, 16, ... (one a second for ever before).
    const { publish, consume } = runtime.health().connections;
    const bound = [publish, consume].reduce((n, c) => n + warnedUpTo(c?.failedAttempts ?? 0), 0);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(bound);
    expect(warnings.some((w) => w.includes('attempt 16'))).toBe(true);
    expect(warnings.join('\n')).not.toContain(PASSWORD);
  });

  it('fails a worker start with one classed error that names the cause, within connectTimeoutMs', async () => {
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TaskQueueModule.forRoot({
          url,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          defaultQueue: uniqueName('unreachable-worker'),
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const worker = moduleRef.createNestMicroservice({
      strategy: moduleRef.get(TaskQueueServer),
      logger,
    });
    try {
      const started = Date.now();
      const err = await rejection(worker.listen());
      const elapsed = Date.now() - started;

      expect(err).toBeInstanceOf(TaskQueueError);
      expect(hasErrorCode(err, 'TASK_QUEUE_BROKER_UNREACHABLE')).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(url.replace(PASSWORD, '***'));
      expect(message).not.toContain(PASSWORD);
      expect(message).toContain('ECONNREFUSED');
      expect(message).toMatch(/Check the url option/);
      expect(elapsed).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    } finally {
      await worker.close();
    }
  });
});
