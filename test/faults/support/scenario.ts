import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel, type Options } from 'amqplib';
import {
  DEAD_LETTER_HEADERS,
  PublishTimeoutError,
  deadLetterQueueName,
  type SendOptions,
  type TaskClient,
  type TaskQueueOptions,
} from 'celeriac';
import { startClient, startWorker, type TestClient, type TestWorker } from '../../support/apps.js';
import { publishRawOn, RABBITMQ_URL } from '../../support/broker.js';
import { check, type CheckOptions, type FaultWindow, type Verdict } from './checker.js';
import { FaultTasks, LEDGER } from './fault-tasks.js';
import { Ledger } from './ledger.js';
import { ScenarioVhost } from './rabbit.js';

/** Polls `probe` every 50 ms until `until` holds; fails naming `what` and the last value seen. */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  until: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (until(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One fault scenario: its own vhost (so `close_all_connections -p` hits only its clients), its ledger,
 * the faults it injected, and what it started, all torn down by `dispose()`.
 */
export class Scenario {
  readonly ledger = new Ledger();
  readonly faults: FaultWindow[] = [];
  readonly queue: string;
  private readonly apps: { close(): Promise<void> }[] = [];
  private readonly workers: TestWorker[] = [];
  private probeConnection: ChannelModel | undefined;
  private probeChannel: Channel | undefined;

  private constructor(
    readonly id: string,
    readonly vhost: ScenarioVhost,
  ) {
    this.queue = `faults.${id.toLowerCase()}`;
  }

  static async create(id: string): Promise<Scenario> {
    return new Scenario(id, await ScenarioVhost.create(id));
  }

  /** Options every app of this scenario shares: this vhost, this queue. */
  options(extra: TaskQueueOptions = {}): TaskQueueOptions {
    return { url: this.vhost.url, defaultQueue: this.queue, reconnectDelayMs: 500, ...extra };
  }

  /** An in-process worker running `FaultTasks` against this scenario's ledger. */
  async worker(extra: TaskQueueOptions = {}): Promise<TestWorker> {
    const worker = await startWorker(this.options(extra), [
      FaultTasks,
      { provide: LEDGER, useValue: this.ledger },
    ]);
    this.apps.push(worker);
    this.workers.push(worker);
    return worker;
  }

  async client(extra: TaskQueueOptions = {}): Promise<TestClient> {
    const client = await startClient(this.options(extra));
    this.apps.push(client);
    return client;
  }

  /**
   * Sends `faults.record` and writes `sent` (after the confirm) or `send-failed` to the ledger.
   * @returns the error, or null when confirmed
   */
  async send(client: TaskClient, sleepMs = 0, id = randomUUID()): Promise<unknown> {
    return (await this.sendRecorded(client, [sleepMs], {}, id)).error;
  }

  /**
   * Sends `faults.record` with `args` and `options` (`taskId` and `ignoreResult` are set here), and
   * writes `sent` (after the confirm) or `send-failed` to the ledger.
   * @returns when `send()` was called (`t0`) and settled (`t`), and its error, or null when confirmed
   */
  async sendRecorded(
    client: TaskClient,
    args: readonly unknown[],
    options: SendOptions = {},
    id = randomUUID(),
  ): Promise<{ id: string; t0: number; t: number; error: unknown }> {
    const t0 = Date.now();
    try {
      await client.send('faults.record', args, {}, { ...options, taskId: id, ignoreResult: true });
      const t = Date.now();
      this.ledger.record({ e: 'sent', id, t0, t });
      return { id, t0, t, error: null };
    } catch (err: unknown) {
      const t = Date.now();
      this.ledger.record({
        e: 'send-failed',
        id,
        t0,
        t,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        maybeEnqueued: !(err instanceof PublishTimeoutError) || err.maybeEnqueued,
      });
      return { id, t0, t, error: err };
    }
  }

  /** Sends `count` tasks with at most `concurrency` sends in flight. Resolves with the errors. */
  async sendMany(
    client: TaskClient,
    count: number,
    {
      sleepMs = 0,
      concurrency = count,
      perSecond = Infinity,
    }: { sleepMs?: number; concurrency?: number; perSecond?: number } = {},
  ): Promise<unknown[]> {
    const errors: unknown[] = [];
    const start = Date.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const n = next++;
        // Paced: the n-th send starts no earlier than n / perSecond after the first.
        const due = start + (n * 1000) / perSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const err = await this.send(client, sleepMs);
        if (err !== null) errors.push(err);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
    return errors;
  }

  /** Runs `inject` and records its window as a fault. */
  async inject(label: string, inject: () => Promise<unknown>, pid?: number): Promise<FaultWindow> {
    const from = Date.now();
    await inject();
    const window: FaultWindow = { label, from, to: Date.now(), ...(pid ? { pid } : {}) };
    this.faults.push(window);
    return window;
  }

  /**
   * Waits until every confirmed task is done or dead, or until nothing has moved for `quietMs` while
   * `idle()` says the broker and workers have nothing left (then the checker reports what is lost).
   */
  async settle(
    idle: () => Promise<boolean> | boolean = () => this.idle(),
    { timeoutMs = 60_000, quietMs = 2_000 } = {},
  ): Promise<void> {
    let lastCount = -1;
    let quietSince = Date.now();
    await waitUntil(
      'every confirmed task to be done or dead (or the broker and workers to go idle)',
      async () => {
        const finished = new Set([...this.ledger.ids('done'), ...this.ledger.ids('dead')]);
        const missing = [...this.ledger.ids('sent')].filter((id) => !finished.has(id)).length;
        if (missing === 0) return 'all finished';
        if (this.ledger.events.length !== lastCount) {
          lastCount = this.ledger.events.length;
          quietSince = Date.now();
          return `${missing} missing`;
        }
        return Date.now() - quietSince >= quietMs && (await idle()) ? 'idle' : `${missing} missing`;
      },
      (state) => state === 'all finished' || state === 'idle',
      timeoutMs,
    );
  }

  /** Moves every dead letter of the scenario's queue into the ledger as `dead` rows. */
  async drainDeadLetters(queue = this.queue): Promise<number> {
    const channel = await this.channel();
    let drained = 0;
    for (;;) {
      const msg = await channel.get(deadLetterQueueName(queue), { noAck: true });
      if (msg === false) return drained;
      const headers: Record<string, unknown> = msg.properties.headers ?? {};
      const id = typeof headers['id'] === 'string' ? headers['id'] : `(no id ${randomUUID()})`;
      const reason = headers[DEAD_LETTER_HEADERS.reason];
      this.ledger.record({
        e: 'dead',
        id,
        t: Date.now(),
        reason: typeof reason === 'string' ? reason : 'unknown',
      });
      drained++;
    }
  }

  /** Nothing ready in the queue and nothing running in this process's workers. */
  async idle(): Promise<boolean> {
    const running = this.workers.some((w) => (w.server.health().worker?.inFlight ?? 0) > 0);
    return !running && (await this.depth().catch(() => 1)) === 0;
  }

  /** Messages ready in a queue of this vhost. */
  async depth(queue = this.queue): Promise<number> {
    const connection = await this.connection();
    const ch = await connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Publishes straight to a queue of this vhost, bypassing Celeriac (for poison messages). */
  async publishRaw(
    queue: string,
    content: Buffer | string,
    options: Options.Publish = {},
  ): Promise<void> {
    await publishRawOn(await this.connection(), queue, content, options);
  }

  /** Checks the ledger, prints the scenario's one line, and returns the verdict. */
  verdict(name: string, extra = '', options: CheckOptions = {}): Verdict {
    const verdict = check(`${this.id} ${name}`, this.ledger, this.faults, extra, options);
    console.log(verdict.line);
    return verdict;
  }

  /** Closes what the scenario started, then deletes its vhost (and with it every queue). */
  async dispose(): Promise<void> {
    for (const app of this.apps.reverse()) await app.close().catch(() => undefined);
    await this.probeConnection?.close().catch(() => undefined);
    await this.vhost.delete();
  }

  private async connection(): Promise<ChannelModel> {
    if (!this.probeConnection) {
      const connection = await amqplib.connect(this.vhost.url);
      connection.on('error', () => undefined);
      connection.on('close', () => {
        if (this.probeConnection === connection) {
          this.probeConnection = undefined;
          this.probeChannel = undefined;
        }
      });
      this.probeConnection = connection;
    }
    return this.probeConnection;
  }

  private async channel(): Promise<Channel> {
    if (!this.probeChannel) {
      const channel = await (await this.connection()).createChannel();
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.probeChannel === channel) this.probeChannel = undefined;
      });
      this.probeChannel = channel;
    }
    return this.probeChannel;
  }
}

/** True when the broker accepts an AMQP connection right now. */
export async function acceptsConnections(): Promise<boolean> {
  try {
    const connection = await amqplib.connect(RABBITMQ_URL, { timeout: 1_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}
