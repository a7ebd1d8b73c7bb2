import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Task, defineTask, type TaskContext } from 'celeriac';

/** A task with a run-time contract: a Python caller's wrong-shaped arguments must fail readably. */
const addChecked = defineTask('tasks.add_checked', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});

/** Python's ValueError, by name and module, so a Python caller's `.get()` raises the builtin class. */
class ValueError extends Error {
  override readonly name = 'ValueError';
  readonly excModule = 'builtins';
}

/**
 * The Nest side of the interop pair: the same task names and behaviour as test/interop/python/tasks.py,
 * so either client can call either worker.
 */
@Injectable()
export class InteropTasks {
  private readonly memory = new Map<string, unknown>();

  @Task({ name: 'tasks.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }

  /** The sum of a list: the body of `chord([tasks.add(i, i) …])(tasks.tsum.s())`. */
  @Task({ name: 'tasks.tsum', params: ['numbers'] })
  tsum(numbers: readonly number[]): number {
    return numbers.reduce((sum, n) => sum + n, 0);
  }

  @Task(addChecked, { params: ['x', 'y'] })
  addChecked(x: number, y: number): number {
    return x + y;
  }

  @Task({ name: 'tasks.echo', params: ['value'] })
  echo(value: unknown): unknown {
    return value;
  }

  @Task({ name: 'tasks.fail', params: ['message'] })
  fail(message: string): never {
    throw new ValueError(message);
  }

  @Task({ name: 'tasks.sleep', params: ['ms'] })
  async sleep(ms: number, ctx: TaskContext): Promise<number> {
    await sleep(ms, undefined, { signal: ctx.signal });
    return ms;
  }

  /** Errback: returns the failed task's id (Celery sends it as the only argument). */
  @Task({ name: 'tasks.record_error', params: ['task_id'] })
  recordError(taskId: string): string {
    return taskId;
  }

  /** Returns the value of a custom header, or null (Python: `self.request.get(name)`). */
  @Task({ name: 'tasks.echo_header', params: ['name'] })
  echoHeader(name: string, ctx: TaskContext): unknown {
    return ctx.headers[name] ?? null;
  }

  /** What the worker made of the protocol headers (Python: the fields of `self.request`). */
  @Task({ name: 'tasks.request_info', params: [] })
  requestInfo(ctx: TaskContext): Record<string, unknown> {
    return {
      id: ctx.id,
      root_id: ctx.rootId,
      parent_id: ctx.parentId,
      group: ctx.groupId,
      retries: ctx.retries,
      eta: ctx.eta?.toISOString() ?? null,
      expires: ctx.expires?.toISOString() ?? null,
    };
  }

  @Task({ name: 'tasks.remember', params: ['key', 'value'] })
  remember(key: string, value: unknown): unknown {
    this.memory.set(key, value);
    return value;
  }

  @Task({ name: 'tasks.recall', params: ['key'] })
  recall(key: string): unknown {
    return this.memory.get(key) ?? null;
  }
}
