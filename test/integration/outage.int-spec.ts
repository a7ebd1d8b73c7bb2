import { PublishTimeoutError, TaskQueueRuntime } from 'celeriac';
import { uniqueName, unreachableBrokerUrl } from '../support/broker.js';
import { startClient, type TestClient } from '../support/apps.js';

/** The bound the README documents: the pending publishes, plus as many settled ones not yet dropped. */
const MAX_PENDING = 100;
const RETAINED_BOUND = 2 * MAX_PENDING + 32;
const PAYLOAD = 'x'.repeat(1024);
/** A 1 KiB argument encodes into less than this, headers aside (they are properties, not content). */
const MESSAGE_BYTES_MAX = 2048;
const OUTAGE_MS = 30_000;

describe('a publisher through a broker outage', () => {
  let app: TestClient;

  beforeAll(async () => {
    app = await startClient({
      url: await unreachableBrokerUrl(),
      defaultQueue: uniqueName('outage'),
      maxPendingPublishes: MAX_PENDING,
      publishTimeoutMs: 200,
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it(
    'keeps the payload bytes it retains under 2 × maxPendingPublishes messages while sends keep timing out',
    async () => {
      const runtime = app.app.get(TaskQueueRuntime);
      const end = Date.now() + OUTAGE_MS;
      let timedOut = 0;
      let peakRetained = 0;
      let peakBytes = 0;
      // As many producers as the backlog admits, each sending again as soon as its send rejected.
      const producer = async (): Promise<void> => {
        while (Date.now() < end) {
          const err = await app.client
            .send('outage.noop', [PAYLOAD], {}, { ignoreResult: true })
            .then(
              () => new Error('a send resolved with no broker'),
              (e: unknown) => e,
            );
          if (!(err instanceof PublishTimeoutError)) throw err;
          timedOut++;
          const health = runtime.health().publisher;
          peakRetained = Math.max(peakRetained, health?.retained ?? Infinity);
          peakBytes = Math.max(peakBytes, health?.retainedBytes ?? Infinity);
        }
      };
      await Promise.all(Array.from({ length: MAX_PENDING }, producer));

      expect(timedOut).toBeGreaterThan(10 * MAX_PENDING);
      expect(peakRetained).toBeLessThanOrEqual(RETAINED_BOUND);
      expect(peakBytes).toBeLessThanOrEqual(RETAINED_BOUND * MESSAGE_BYTES_MAX);
    },
    OUTAGE_MS + 15_000,
  );
});
