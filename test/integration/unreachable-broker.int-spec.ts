import { hasErrorCode, PublishTimeoutError } from '@app/task-queue';
import { uniqueName, unreachableBrokerUrl } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';

/** A wrong broker address, as a new user might configure it: the password must never show. */
const PASSWORD = 's3cret-pw';
const PUBLISH_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_500;
/** Slack for timers and the event loop on a busy 2-core machine. */
const SLACK_MS = 1_500;

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
});
