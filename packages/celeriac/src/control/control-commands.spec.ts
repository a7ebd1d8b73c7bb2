import { taskMessage } from '../../spec-support/task-message.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { ResolvedQueue } from '../options/task-queue-options.js';
import { type CommandMailbox, registerControlCommands } from './control-commands.js';
import type { ControlledWorker, HeldTask } from './controlled-worker.js';

/** A mailbox that runs a command as the pidbox listener does: the handler's answer, or its error. */
class Mailbox implements CommandMailbox {
  private readonly handlers = new Map<string, (args: Record<string, unknown>) => unknown>();
  handle(method: string, handler: (args: Record<string, unknown>) => unknown): void {
    this.handlers.set(method, handler);
  }
  async call(method: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const handler = this.handlers.get(method);
    if (!handler) throw new Error(`no handler for ${method}`);
    return await handler(args);
  }
}

const RUNNING: HeldTask = {
  message: taskMessage({ id: 'r1', task: 'tasks.add', args: [2, 3], priority: 5 }),
  fields: { exchange: '', routingKey: 'celery', redelivered: false },
  startedAt: 1_700_000_000_500,
};

/** A worker of our own interface, recording what the commands changed. */
function fakeWorker(): ControlledWorker & { changes: unknown[] } {
  const changes: unknown[] = [];
  let taskEvents = false;
  return {
    changes,
    nodeName: 'w1@host',
    options: resolveOptions({
      url: 'amqp://u:secret@rabbit:5673/prod',
      worker: { concurrency: 4 },
    }),
    startedAt: Date.now() - 5_000,
    clock: () => 12,
    registered: () => [
      { name: 'tasks.sleep', ratePerSecond: null },
      { name: 'tasks.add', ratePerSecond: 10 },
    ],
    running: () => [RUNNING],
    reserved: () => [],
    scheduled: () => [],
    revokedIds: () => ['x1', 'x2'],
    totals: () => new Map([['tasks.add', 3]]),
    concurrency: () => 4,
    consumedQueues: () => [],
    setRateLimit: (task, rate) => {
      changes.push(['rate', task, rate]);
      return task === 'tasks.add';
    },
    setTimeLimits: (task, hard, soft) => {
      changes.push(['time', task, hard, soft]);
      return task === 'tasks.add';
    },
    addConsumer: (queue: ResolvedQueue) => {
      changes.push(['add', queue.name, queue.exchange]);
      return Promise.resolve(queue.name !== 'celery');
    },
    cancelConsumer: (queue) => {
      changes.push(['cancel', queue]);
      return Promise.resolve(true);
    },
    resizePool: (delta) => {
      changes.push(['pool', delta]);
      return 4 + delta;
    },
    setTaskEvents: (enabled) => {
      const before = taskEvents;
      taskEvents = enabled;
      return before;
    },
    shutdown: () => {
      changes.push(['shutdown']);
    },
  };
}

describe('registerControlCommands: the replies of a Celery 5.2 worker', () => {
  let mailbox: Mailbox;
  let worker: ReturnType<typeof fakeWorker>;

  beforeEach(() => {
    mailbox = new Mailbox();
    worker = fakeWorker();
    registerControlCommands(mailbox, worker);
  });

  it('registered: sorted, a rate limit shown as Celery shows it', async () => {
    await expect(mailbox.call('registered')).resolves.toEqual([
      'tasks.add [rate_limit=10/s]',
      'tasks.sleep',
    ]);
  });

  it("active: Celery's request info, args as JSON, start time in seconds", async () => {
    await expect(mailbox.call('active')).resolves.toEqual([
      {
        id: 'r1',
        name: 'tasks.add',
        args: [2, 3],
        kwargs: {},
        type: 'tasks.add',
        hostname: 'w1@host',
        time_start: 1_700_000_000.5,
        acknowledged: false,
        delivery_info: { exchange: '', routing_key: 'celery', priority: 5, redelivered: false },
        worker_pid: process.pid,
      },
    ]);
  });

  it('query_task: the state and info of the ids asked for, as a list or a single id', async () => {
    const reply = (await mailbox.call('query_task', { ids: ['r1', 'nope'] })) as Record<
      string,
      unknown
    >;
    expect(Object.keys(reply)).toEqual(['r1']);
    expect(reply['r1']).toEqual(['active', expect.objectContaining({ id: 'r1' })]);
    await expect(mailbox.call('query_task', { ids: 'r1' })).resolves.toHaveProperty('r1');
  });

  it('stats: the keys Celery sends, the clock as a string, no password', async () => {
    const stats = (await mailbox.call('stats')) as Record<string, unknown>;
    expect(Object.keys(stats).sort()).toEqual(
      ['broker', 'clock', 'pid', 'pool', 'prefetch_count', 'rusage', 'total', 'uptime'].sort(),
    );
    expect(stats['total']).toEqual({ 'tasks.add': 3 });
    expect(stats['clock']).toBe('12');
    expect(stats['uptime']).toBeGreaterThanOrEqual(5);
    expect(stats['broker']).toMatchObject({
      hostname: 'rabbit',
      port: 5673,
      userid: 'u',
      virtual_host: 'prod',
    });
    expect(JSON.stringify(stats)).not.toContain('secret');
  });

  it("hello (a Python worker's mingle) gets no revoked ids, and is not answered from itself", async () => {
    await expect(mailbox.call('hello', { from_node: 'py@host' })).resolves.toEqual({
      revoked: {},
      clock: 12,
    });
    await expect(mailbox.call('hello', { from_node: 'w1@host' })).resolves.toBeUndefined();
  });

  it('revoked, clock and conf', async () => {
    await expect(mailbox.call('revoked')).resolves.toEqual(['x1', 'x2']);
    await expect(mailbox.call('clock')).resolves.toEqual({ clock: 12 });
    const conf = (await mailbox.call('conf')) as Record<string, unknown>;
    expect(conf['broker_url']).toBe('amqp://u:***@rabbit:5673/prod');
    expect(conf['worker_concurrency']).toBe(4);
  });

  it('rate_limit: set, disabled, unknown task, bad rate, missing arguments', async () => {
    await expect(
      mailbox.call('rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' }),
    ).resolves.toEqual({ ok: 'new rate limit set successfully' });
    expect(worker.changes.at(-1)).toEqual(['rate', 'tasks.add', 10 / 60]);
    await expect(
      mailbox.call('rate_limit', { task_name: 'tasks.add', rate_limit: 0 }),
    ).resolves.toEqual({
      ok: 'rate limit disabled successfully',
    });
    await expect(
      mailbox.call('rate_limit', { task_name: 'nope', rate_limit: '1/s' }),
    ).resolves.toEqual({
      error: 'unknown task',
    });
    await expect(
      mailbox.call('rate_limit', { task_name: 'tasks.add', rate_limit: 'x/y' }),
    ).resolves.toMatchObject({
      error: expect.stringMatching(/^Invalid rate limit string: ValueError\(/) as unknown,
    });
    await expect(mailbox.call('rate_limit', {})).rejects.toThrow(
      "rate_limit() missing 2 required positional arguments: 'task_name' and 'rate_limit'",
    );
  });

  it('time_limit: seconds, 0 or none for no limit', async () => {
    await expect(
      mailbox.call('time_limit', { task_name: 'tasks.add', hard: 10, soft: 0 }),
    ).resolves.toEqual({
      ok: 'time limits set successfully',
    });
    expect(worker.changes.at(-1)).toEqual(['time', 'tasks.add', 10, null]);
    await expect(mailbox.call('time_limit', { task_name: 'nope' })).resolves.toEqual({
      error: 'unknown task',
    });
  });

  it('add_consumer and cancel_consumer: a queue it does not know is declared as Celery would', async () => {
    await expect(mailbox.call('add_consumer', { queue: 'extra' })).resolves.toEqual({
      ok: 'add consumer extra',
    });
    expect(worker.changes.at(-1)).toEqual(['add', 'extra', 'extra']);
    await expect(mailbox.call('add_consumer', { queue: 'celery' })).resolves.toEqual({
      ok: 'already consuming from celery',
    });
    await expect(mailbox.call('cancel_consumer', { queue: 'extra' })).resolves.toEqual({
      ok: 'no longer consuming from extra',
    });
  });

  it('pool_grow, pool_shrink; autoscale is not supported, in the words of a Celery worker without it', async () => {
    await expect(mailbox.call('pool_grow', { n: 2 })).resolves.toEqual({ ok: 'pool will grow' });
    await expect(mailbox.call('pool_shrink', {})).resolves.toEqual({ ok: 'pool will shrink' });
    expect(worker.changes.slice(-2)).toEqual([
      ['pool', 2],
      ['pool', -1],
    ]);
    await expect(mailbox.call('autoscale', { max: 4, min: 1 })).rejects.toMatchObject({
      name: 'ValueError',
      message: 'Autoscale not enabled',
    });
  });

  it('enable_events, disable_events, and shutdown without a reply', async () => {
    await expect(mailbox.call('enable_events')).resolves.toEqual({ ok: 'task events enabled' });
    await expect(mailbox.call('enable_events')).resolves.toEqual({
      ok: 'task events already enabled',
    });
    await expect(mailbox.call('disable_events')).resolves.toEqual({ ok: 'task events disabled' });
    await expect(mailbox.call('shutdown')).resolves.toBeUndefined();
    expect(worker.changes.at(-1)).toEqual(['shutdown']);
  });
});
