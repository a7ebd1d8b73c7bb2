/**
 * What a task contract costs the worker per message: the handler call of a task without schemas (the
 * plain path every task took before contracts), the same task with a zod args schema, and with both an
 * args and a result schema. Only the call differs; decoding, acks and the broker are the same for all
 * three, so see docs/benchmarks.md for the end-to-end numbers. Run: npx vitest bench --run --project unit packages/celeriac/src/worker/contract-handler.bench.ts
 */
import { bench, describe } from 'vitest';
import { z } from 'zod';
import { Task } from '../decorators/task.decorator.js';
import { defineTask } from '../task/task-ref.js';
import type { TaskContext } from '../task/task-context.js';
import type { RegisteredTask } from '../discovery/task-registry.js';
import type { TaskMetadata } from '../decorators/task.decorator.js';
import type { TaskMessage } from '../message/task-message.js';
import { boundHandler } from './contract-handler.js';
import { TASK_METADATA } from '../options/task-queue.constants.js';

const plain = defineTask<[order: string, qty: number], number>('bench.plain');
const checked = defineTask('bench.checked', { args: z.tuple([z.string(), z.number().int()]) });
const both = defineTask('bench.both', {
  args: z.tuple([z.string(), z.number().int()]),
  result: z.number(),
});

class BenchTasks {
  @Task(plain)
  plain(order: string, qty: number): number {
    return order.length + qty;
  }

  @Task(checked)
  checked(order: string, qty: number): number {
    return order.length + qty;
  }

  @Task(both)
  both(order: string, qty: number): number {
    return order.length + qty;
  }
}

/** The registry entry the explorer would build for a method (only what the handler call reads). */
function registered(method: 'plain' | 'checked' | 'both'): RegisteredTask {
  const instance = new BenchTasks();
  const metadata = Reflect.getMetadata(TASK_METADATA, BenchTasks.prototype[method]) as
    TaskMetadata | undefined;
  if (!metadata) throw new Error(`no @Task metadata on ${method}`);
  return {
    metadata,
    owner: `BenchTasks.${method}`,
    handler: instance[method].bind(instance) as (...args: unknown[]) => unknown,
    retry: undefined as never,
    limits: undefined as never,
  };
}

const message = { args: ['order-1', 3], kwargs: {} } as unknown as TaskMessage;
const ctx = {} as TaskContext;
const calls = {
  plain: boundHandler(registered('plain')),
  checked: boundHandler(registered('checked')),
  both: boundHandler(registered('both')),
};

describe('handler call per message', () => {
  // Awaited, so each sample includes the promise the worker awaits too.
  bench('no schema', async () => {
    await calls.plain(message, ctx);
  });
  bench('args schema (zod tuple of 2)', async () => {
    await calls.checked(message, ctx);
  });
  bench('args + result schema', async () => {
    await calls.both(message, ctx);
  });
});
