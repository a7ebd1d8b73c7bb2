import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_HEADERS,
  InvalidRevokeError,
  RevocationStreamError,
  Task,
  TaskQueueRuntime,
  TaskRevokedError,
  deadLetterQueueName,
  type AsyncResult,
  type TaskContext,
  type TaskQueueOptions,
} from 'celeriac';
import amqplib, { type GetMessage } from 'amqplib';
import { BrokerProbe, RABBITMQ_URL, uniqueName } from '../support/broker.js';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';

/** Opens once; a handler waits on it so a test controls when it ends. */
class Gate {
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

@Injectable()
class RevokeTasks {
  /** Runs per task id: a revoked task must never appear here. */
  readonly runs = new Map<string, number>();
  /** What `ctx.signal.reason` was when a blocking handler was aborted, by task id. */
  readonly abortReasons = new Map<string, unknown>();
  stubborn = new Gate();
  blocker = new Gate();

  @Task('revoke.record')
  record(ctx: TaskContext): string {
    this.count(ctx);
    return 'ran';
  }

  /** Runs until its signal aborts, then stops as a well-behaved handler does. */
  @Task('revoke.until_aborted')
  async untilAborted(ctx: TaskContext): Promise<string> {
    this.count(ctx);
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener(
        'abort',
        () => {
          this.abortReasons.set(ctx.id, ctx.signal.reason);
          resolve();
        },
        { once: true },
      );
    });
    throw ctx.signal.reason;
  }

  /** Ignores its signal: only the test's gate ends it. */
  @Task('revoke.stubborn')
  async stubbornTask(ctx: TaskContext): Promise<string> {
    this.count(ctx);
    ctx.signal.addEventListener('abort', () => this.abortReasons.set(ctx.id, ctx.signal.reason));
    await this.stubborn.opened;
    return 'finished anyway';
  }

  /** Holds the worker's only slot until the test opens the gate. */
  @Task('revoke.blocker')
  async block(ctx: TaskContext): Promise<string> {
    this.count(ctx);
    await this.blocker.opened;
    return 'unblocked';
  }

  runsOf(id: string): number {
    return this.runs.get(id) ?? 0;
  }

  private count(ctx: TaskContext): void {
    this.runs.set(ctx.id, this.runsOf(ctx.id) + 1);
  }
}

/** What `get()` settled with: the revocation reason, or what else happened. */
async function outcomeOf(result: AsyncResult): Promise<string> {
  try {
    return `value: ${String(await result.get({ timeoutMs: 15_000 }))}`;
  } catch (err: unknown) {
    if (err instanceof TaskRevokedError) return `revoked: ${err.reason}`;
    throw err;
  }
}

describe('revoke on the real broker', () => {
  const queue = uniqueName('revoke');
  const dead = deadLetterQueueName(queue);
  const stream = uniqueName('revoked');
  const options = (concurrency = 4, prefetch = concurrency): TaskQueueOptions => ({
    defaultQueue: queue,
    revocation: { stream, retentionMs: 600_000, terminateGraceMs: 300 },
    worker: { queues: [queue], concurrency, prefetch },
  });
  const letters = new Map<string, GetMessage>();
  let probe: BrokerProbe;
  let producer: TestClient;
  let worker: TestWorker | undefined;

  /** The dead letter of a task, reading the dead-letter queue as far as needed. */
  async function deadLetterOf(id: string): Promise<GetMessage | undefined> {
    for (let msg = await probe.get(dead); msg; msg = await probe.get(dead)) {
      letters.set(String(msg.properties.headers?.['id']), msg);
    }
    return letters.get(id);
  }

  /** True once `w` has read the revocation of `id` from the stream. */
  function hasRead(w: TestWorker, id: string): boolean {
    return w.logger.lines('log', `Revoked ${id}`).length > 0;
  }

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    producer = await startClient(options());
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });

  afterAll(async () => {
    await producer.close();
    await probe.deleteQueues(queue, dead, stream);
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('refuses a task revoked before it arrives: REVOKED, a dead letter, the handler never runs', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    const id = randomUUID();
    await producer.client.revoke(id, { reason: 'order cancelled' });
    const w = worker;
    await expect.poll(() => hasRead(w, id), { timeout: 5_000 }).toBe(true);

    const result = await producer.client.send('revoke.record', [], {}, { taskId: id });
    expect(await outcomeOf(result)).toBe('revoked: revoked');
    expect(tasks.runsOf(id)).toBe(0);
    await expect.poll(() => deadLetterOf(id), { timeout: 5_000 }).toBeDefined();
    const headers = (await deadLetterOf(id))?.properties.headers ?? {};
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('revoked');
    expect(headers[DEAD_LETTER_HEADERS.excType]).toBe('TaskRevokedError');
    // Acked: nothing left in the queue.
    expect(await probe.depth(queue)).toBe(0);
  });

  it('reaches a worker that starts later: the late joiner reads the window back before consuming', async () => {
    const revoked = await producer.client.send('revoke.record', []);
    const kept = await producer.client.send('revoke.record', []);
    await producer.client.revoke(revoked.id);

    worker = await startWorker(options(), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    expect(await outcomeOf(revoked)).toBe('revoked: revoked');
    expect(await outcomeOf(kept)).toBe('value: ran');
    expect(tasks.runsOf(revoked.id)).toBe(0);
    expect(tasks.runsOf(kept.id)).toBe(1);
    expect(worker.logger.lines('log', /Following revocations on .* read back/)).toHaveLength(1);
  });

  it('survives a worker restart: the next worker still refuses the task', async () => {
    const first = await startWorker(options(), [RevokeTasks]);
    const id = randomUUID();
    try {
      await producer.client.revoke([id, randomUUID()]);
      await expect.poll(() => hasRead(first, id), { timeout: 5_000 }).toBe(true);
    } finally {
      await first.close();
    }

    const result = await producer.client.send('revoke.record', [], {}, { taskId: id });
    worker = await startWorker(options(), [RevokeTasks]);
    expect(await outcomeOf(result)).toBe('revoked: revoked');
    expect(worker.app.get(RevokeTasks).runsOf(id)).toBe(0);
  });

  it('never runs a revoked task with a countdown, even when revoked after it was sent', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    const sentAt = Date.now();
    const result = await producer.client.send('revoke.record', [], {}, { countdown: 2 });
    await producer.client.revoke(result.id);

    expect(await outcomeOf(result)).toBe('revoked: revoked');
    // Refused when it came due, not before: it travelled through the delay cascade first.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_900);
    expect(tasks.runsOf(result.id)).toBe(0);
  });

  it('re-checks just before starting: a task revoked while it waited for a slot is refused', async () => {
    // One slot, but room for a second delivery: the second task waits in the worker for the slot.
    worker = await startWorker(options(1, 2), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    tasks.blocker = new Gate();
    const blocker = await producer.client.send('revoke.blocker', []);
    await expect.poll(() => tasks.runsOf(blocker.id), { timeout: 5_000 }).toBe(1);
    const waiting = await producer.client.send('revoke.record', []);
    const w = worker;
    // Delivered and admitted before the revocation: only the check after the slot wait can refuse it.
    await expect
      .poll(() => w.server.unwrap<{ inFlightCount: number }>().inFlightCount, { timeout: 5_000 })
      .toBe(2);
    await producer.client.revoke(waiting.id);
    await expect.poll(() => hasRead(w, waiting.id), { timeout: 5_000 }).toBe(true);

    tasks.blocker.open();
    expect(await outcomeOf(blocker)).toBe('value: unblocked');
    expect(await outcomeOf(waiting)).toBe('revoked: revoked');
    expect(tasks.runsOf(waiting.id)).toBe(0);
  });

  it('terminates a running task: its signal aborts with TaskRevokedError and the caller gets REVOKED', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    const result = await producer.client.send('revoke.until_aborted', []);
    await expect.poll(() => tasks.runsOf(result.id), { timeout: 5_000 }).toBe(1);

    await producer.client.revoke(result.id, { terminate: true });
    expect(await outcomeOf(result)).toBe('revoked: terminated');
    const reason = tasks.abortReasons.get(result.id);
    expect(reason).toBeInstanceOf(TaskRevokedError);
    expect((reason as TaskRevokedError).message).toBe(`Task ${result.id} was revoked: terminated`);
    await expect.poll(() => deadLetterOf(result.id), { timeout: 5_000 }).toBeDefined();
    expect((await deadLetterOf(result.id))?.properties.headers?.[DEAD_LETTER_HEADERS.reason]).toBe(
      'revoked',
    );
  });

  it('reports a handler that ignores its signal after the grace, and frees its slot', async () => {
    worker = await startWorker(options(1), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    tasks.stubborn = new Gate();
    const stubborn = await producer.client.send('revoke.stubborn', []);
    await expect.poll(() => tasks.runsOf(stubborn.id), { timeout: 5_000 }).toBe(1);

    const revokedAt = Date.now();
    await producer.client.revoke(stubborn.id, { terminate: true });
    expect(await outcomeOf(stubborn)).toBe('revoked: terminated');
    expect(Date.now() - revokedAt).toBeGreaterThanOrEqual(250); // the 300 ms grace, give or take the hop
    expect(tasks.abortReasons.get(stubborn.id)).toBeInstanceOf(TaskRevokedError);
    expect(worker.logger.lines('warn', 'did not stop within 300 ms')).toHaveLength(1);

    // The only slot is free again although the handler still runs.
    const next = await producer.client.send('revoke.record', []);
    expect(await outcomeOf(next)).toBe('value: ran');
    tasks.stubborn.open();
  });

  it('lets a running task finish when revoked without terminate', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    const tasks = worker.app.get(RevokeTasks);
    tasks.blocker = new Gate();
    const result = await producer.client.send('revoke.blocker', []);
    await expect.poll(() => tasks.runsOf(result.id), { timeout: 5_000 }).toBe(1);
    await producer.client.revoke(result.id);
    const w = worker;
    await expect.poll(() => hasRead(w, result.id), { timeout: 5_000 }).toBe(true);
    tasks.blocker.open();
    expect(await outcomeOf(result)).toBe('value: unblocked');
  });

  it('follows the stream again after it was deleted: re-declared, re-read, re-synced', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    const w = worker;
    await probe.deleteQueues(stream);
    await expect
      .poll(() => w.logger.lines('log', 'Caught up with the revocation stream again').length, {
        timeout: 10_000,
      })
      .toBe(1);
    // The worker declared the stream again; a revocation published now reaches it.
    const id = randomUUID();
    await producer.client.revoke(id);
    await expect.poll(() => hasRead(w, id), { timeout: 5_000 }).toBe(true);
    const result = await producer.client.send('revoke.record', [], {}, { taskId: id });
    expect(await outcomeOf(result)).toBe('revoked: revoked');
  });

  it('declares the stream again when it was deleted under a client, rather than losing the revocation', async () => {
    await producer.client.revoke(randomUUID());
    await probe.deleteQueues(stream);
    // The publish is returned (mandatory, no queue), so the client declares the stream and publishes again.
    await expect(producer.client.revoke(randomUUID())).resolves.toBeUndefined();
    expect(await probe.exists(stream)).toBe(true);
    // And a worker that starts now sees that revocation.
    const id = randomUUID();
    await producer.client.revoke(id);
    const result = await producer.client.send('revoke.record', [], {}, { taskId: id });
    worker = await startWorker(options(), [RevokeTasks]);
    expect(await outcomeOf(result)).toBe('revoked: revoked');
  });

  it("declares Celery's mailbox exchange again after a reconnect (a broker restart removes it)", async () => {
    const client = await startClient(options());
    try {
      await client.client.revoke(randomUUID());
      // What a broker restart does to the client: the non-durable exchange is gone, and it reconnects.
      await probe.deleteExchanges('celery.pidbox');
      const publishing = client.app.get(TaskQueueRuntime).connections.get('publish');
      const before = publishing.health().connects;
      publishing.reconnect();
      await expect.poll(() => publishing.health().connects, { timeout: 10_000 }).toBe(before + 1);
      await expect(client.client.revoke(randomUUID())).resolves.toBeUndefined();
      expect(await probe.exchangeExists('celery.pidbox')).toBe(true);
      // The shared publishing channel is fine afterwards.
      const result = await client.client.send('revoke.record', []);
      worker = await startWorker(options(), [RevokeTasks]);
      expect(await outcomeOf(result)).toBe('value: ran');
    } finally {
      await client.close();
    }
  });

  it('takes the revocation of an unknown id without harm', async () => {
    worker = await startWorker(options(), [RevokeTasks]);
    await expect(producer.client.revoke(`never-sent-${randomUUID()}`)).resolves.toBeUndefined();
    await expect(
      producer.client.revoke(`never-sent-${randomUUID()}`, { terminate: true }),
    ).resolves.toBeUndefined();
    const result = await producer.client.send('revoke.record', []);
    expect(await outcomeOf(result)).toBe('value: ran');
    expect(worker.server.isConsuming).toBe(true);
  });

  it('refuses bad arguments before publishing anything', async () => {
    await expect(producer.client.revoke([])).rejects.toBeInstanceOf(InvalidRevokeError);
    await expect(producer.client.revoke('a', { terminate: 'yes' as never })).rejects.toThrow(
      /Invalid revoke argument "terminate"/,
    );
  });

  /** Starts a worker with a node name of its own, and waits until its Celery mailbox is bound. */
  async function startNamedWorker(): Promise<{ worker: TestWorker; nodeName: string }> {
    const nodeName = uniqueName('node');
    const started = await startWorker({ ...options(), worker: { queues: [queue], nodeName } }, [
      RevokeTasks,
    ]);
    await expect
      .poll(() => probe.exists(`${nodeName}.celery.pidbox`), { timeout: 5_000 })
      .toBe(true);
    return { worker: started, nodeName };
  }

  /**
   * Broadcasts a remote-control command as a Python client's `app.control.<method>(..., reply=True)` does
   * (fixture pidbox_ping_broadcast) and returns `nodeName`'s answer. A worker's mailbox is a queue, so
   * once it answers, it has handled every command broadcast before this one.
   */
  async function celeryControl(
    method: string,
    args: Record<string, unknown>,
    nodeName: string,
  ): Promise<{ answer: unknown; ticket: unknown }> {
    const replyKey = randomUUID();
    const ticket = randomUUID();
    const connection = await amqplib.connect(RABBITMQ_URL);
    try {
      const ch = await connection.createConfirmChannel();
      await ch.assertExchange('reply.celery.pidbox', 'direct', { durable: false });
      const { queue: replies } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(replies, 'reply.celery.pidbox', replyKey);
      ch.publish(
        'celery.pidbox',
        '',
        Buffer.from(
          JSON.stringify({
            method,
            arguments: args,
            destination: null,
            pattern: null,
            matcher: null,
            ticket,
            reply_to: { exchange: 'reply.celery.pidbox', routing_key: replyKey },
          }),
        ),
        {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          deliveryMode: 2,
          headers: { clock: 1, expires: Date.now() / 1000 + 1 },
        },
      );
      await ch.waitForConfirms();
      // A broadcast: every worker on the broker answers (other suites' too), each as { node: answer }.
      const ours: GetMessage[] = [];
      await expect
        .poll(
          async () => {
            for (
              let m = await ch.get(replies, { noAck: true });
              m;
              m = await ch.get(replies, { noAck: true })
            ) {
              if (m.content.toString('utf8').includes(JSON.stringify(nodeName))) ours.push(m);
            }
            return ours.length;
          },
          { timeout: 5_000 },
        )
        .toBe(1);
      const body = JSON.parse(ours[0]?.content.toString('utf8') ?? 'null') as Record<
        string,
        unknown
      >;
      return { answer: body[nodeName], ticket: ours[0]?.properties.headers?.['ticket'] };
    } finally {
      await connection.close();
    }
  }

  it("honours Celery's own app.control.revoke broadcast on celery.pidbox, and answers it", async () => {
    const named = await startNamedWorker();
    worker = named.worker;
    const id = randomUUID();
    const reply = await celeryControl(
      'revoke',
      { task_id: id, terminate: false, signal: 'SIGTERM' },
      named.nodeName,
    );
    expect(reply.answer).toEqual({ ok: `tasks ${id} flagged as revoked` });
    expect(reply.ticket).toBeDefined();

    const result = await producer.client.send('revoke.record', [], {}, { taskId: id });
    expect(await outcomeOf(result)).toBe('revoked: revoked');
    expect(worker.app.get(RevokeTasks).runsOf(id)).toBe(0);
  });

  it("takes a client's revocation once: from the stream, not again from its Celery broadcast", async () => {
    const named = await startNamedWorker();
    worker = named.worker;
    const id = randomUUID();
    await producer.client.revoke(id, { reason: 'order cancelled' });
    const w = worker;
    await expect.poll(() => hasRead(w, id), { timeout: 5_000 }).toBe(true);
    // The broadcast copy went to the same mailbox before this ping: answered means handled.
    expect((await celeryControl('ping', {}, named.nodeName)).answer).toEqual({ ok: 'pong' });
    const lines = w.logger.lines('log', `Revoked ${id}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('order cancelled');
  });

  it('says so when a process declares the stream with another retention', async () => {
    const mismatched = await startClient({
      ...options(),
      revocation: { stream, retentionMs: 60_000 },
    });
    try {
      const refused = mismatched.client.revoke(randomUUID());
      await expect(refused).rejects.toBeInstanceOf(RevocationStreamError);
      await expect(refused).rejects.toThrow(/same revocation.retentionMs/);
    } finally {
      await mismatched.close();
    }
    // The producer on the right retention is unaffected.
    await expect(producer.client.revoke(randomUUID())).resolves.toBeUndefined();
  });
});
