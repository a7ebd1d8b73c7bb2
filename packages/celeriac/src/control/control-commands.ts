import { celeryQueue } from '../options/queue-declarations.js';
import { parseRateLimit } from '../task/rate-limit.js';
import type { ControlledWorker, HeldTask } from './controlled-worker.js';
import {
  confReply,
  queueInfo,
  registeredReply,
  reportReply,
  statsReply,
} from './inspect-replies.js';
import { requestInfo, scheduledInfo } from './request-info.js';

type Args = Readonly<Record<string, unknown>>;

/** Where the commands are added: the worker's remote-control mailbox (`PidboxListener`). */
export interface CommandMailbox {
  handle(method: string, handler: (args: Args) => unknown): void;
}

/**
 * Every Celery remote-control command beyond `ping` and `revoke` (which the mailbox answers itself), in
 * the reply formats of a Celery 5.2 worker, so `celery inspect …`, `celery control …`, Flower and
 * `celeriac inspect|control` work against a Celeriac worker as against a Python one. A command with a
 * missing argument throws the `TypeError` Python would raise, which the mailbox answers as Celery does:
 * `{error: "TypeError(...)"}`.
 */
export function registerControlCommands(mailbox: CommandMailbox, worker: ControlledWorker): void {
  const host = worker.nodeName;
  const infos = (tasks: Iterable<HeldTask>): Record<string, unknown>[] =>
    [...tasks].map((task) => requestInfo(task, host));

  // inspect
  mailbox.handle('active', () => infos(worker.running()));
  mailbox.handle('reserved', () => infos(worker.reserved()));
  mailbox.handle('scheduled', () => [...worker.scheduled()].map((t) => scheduledInfo(t, host)));
  mailbox.handle('registered', () => registeredReply(worker));
  mailbox.handle('dump_tasks', () => registeredReply(worker));
  mailbox.handle('stats', () => statsReply(worker));
  mailbox.handle('revoked', () => [...worker.revokedIds()]);
  mailbox.handle('active_queues', () => worker.consumedQueues().map(queueInfo));
  mailbox.handle('query_task', (args) => queryTask(worker, required('query_task', args, ['ids'])));
  mailbox.handle('conf', () => confReply(worker.options));
  mailbox.handle('report', () => reportReply(worker.options));
  mailbox.handle('clock', () => ({ clock: worker.clock() }));
  // A starting Python worker's mingle: it merges the revoked ids it gets. Celeriac workers share theirs
  // through the revocation stream instead, so none are offered here.
  mailbox.handle('hello', (args) =>
    args['from_node'] === host ? undefined : { revoked: {}, clock: worker.clock() },
  );

  // control
  mailbox.handle('rate_limit', (args) => {
    const [task, rate] = required('rate_limit', args, ['task_name', 'rate_limit']);
    let perSecond: number | null;
    try {
      perSecond = parseRateLimit(rate as string | number);
    } catch (err: unknown) {
      const detail = err instanceof Error ? err.message : String(err);
      return { error: `Invalid rate limit string: ValueError(${JSON.stringify(detail)})` };
    }
    if (typeof task !== 'string' || !worker.setRateLimit(task, perSecond)) {
      return { error: 'unknown task' };
    }
    return {
      ok:
        perSecond === null ? 'rate limit disabled successfully' : 'new rate limit set successfully',
    };
  });
  mailbox.handle('time_limit', (args) => {
    const [task] = required('time_limit', args, ['task_name']);
    const hard = seconds(args['hard']);
    const soft = seconds(args['soft']);
    if (typeof task !== 'string' || !worker.setTimeLimits(task, hard, soft)) {
      return { error: 'unknown task' };
    }
    return { ok: 'time limits set successfully' };
  });
  mailbox.handle('add_consumer', async (args) => {
    const [queue] = required('add_consumer', args, ['queue']);
    if (typeof queue !== 'string' || queue === '') throw new TypeError('queue must be a name');
    const resolved = worker.options.queues.get(queue) ?? celeryQueue(queue);
    const added = await worker.addConsumer(resolved);
    return { ok: added ? `add consumer ${queue}` : `already consuming from ${queue}` };
  });
  mailbox.handle('cancel_consumer', async (args) => {
    const [queue] = required('cancel_consumer', args, ['queue']);
    await worker.cancelConsumer(String(queue));
    return { ok: `no longer consuming from ${String(queue)}` };
  });
  mailbox.handle('pool_grow', (args) => {
    worker.resizePool(count(args['n']));
    return { ok: 'pool will grow' };
  });
  mailbox.handle('pool_shrink', (args) => {
    worker.resizePool(-count(args['n']));
    return { ok: 'pool will shrink' };
  });
  mailbox.handle('autoscale', () => {
    // What a Celery worker started without --autoscale answers; Celeriac has no autoscaler.
    throw new ValueError('Autoscale not enabled');
  });
  mailbox.handle('enable_events', () => ({
    ok: worker.setTaskEvents(true) ? 'task events already enabled' : 'task events enabled',
  }));
  mailbox.handle('disable_events', () => {
    worker.setTaskEvents(false);
    return { ok: 'task events disabled' };
  });
  mailbox.handle('shutdown', () => {
    // As in Celery, no reply: the worker goes into its warm shutdown.
    worker.shutdown();
    return undefined;
  });
}

/** Python's ValueError, so the reply reads `ValueError('...')` as a Celery worker's does. */
class ValueError extends Error {
  override readonly name = 'ValueError';
}

/**
 * The named arguments, or the `TypeError` Python raises for a call without them, word for word
 * (`rate_limit() missing 2 required positional arguments: 'task_name' and 'rate_limit'`).
 */
function required(method: string, args: Args, names: readonly string[]): unknown[] {
  const missing = names.filter((name) => args[name] === undefined || args[name] === null);
  if (missing.length > 0) {
    const quoted = missing.map((name) => `'${name}'`);
    const list =
      quoted.length === 1
        ? quoted[0]
        : `${quoted.slice(0, -1).join(', ')}${quoted.length > 2 ? ',' : ''} and ${quoted.at(-1) ?? ''}`;
    const plural = missing.length === 1 ? 'argument' : 'arguments';
    throw new TypeError(
      `${method}() missing ${missing.length} required positional ${plural}: ${list}`,
    );
  }
  return names.map((name) => args[name]);
}

function queryTask(worker: ControlledWorker, [ids]: unknown[]): Record<string, unknown> {
  const wanted = new Set((Array.isArray(ids) ? ids : [ids]).map(String));
  const found: Record<string, unknown> = {};
  const add = (state: string, tasks: Iterable<HeldTask>): void => {
    for (const task of tasks) {
      if (wanted.has(task.message.id)) {
        found[task.message.id] = [state, requestInfo(task, worker.nodeName)];
      }
    }
  };
  add('active', worker.running());
  add('reserved', worker.reserved());
  add('scheduled', worker.scheduled());
  return found;
}

function seconds(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new TypeError(`a time limit must be seconds, got ${JSON.stringify(value)}`);
  return n === 0 ? null : n;
}

function count(value: unknown): number {
  if (value === undefined || value === null) return 1;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new TypeError(`n must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
