import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Task, type TaskContext } from 'celeriac';
import type { LedgerSink } from './ledger.js';

/** DI token of the ledger the fault tasks write to. */
export const LEDGER = Symbol('faults:ledger');

/** The tasks of the fault suite: each writes `started` and, after its side effect, `done`. */
@Injectable()
export class FaultTasks {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerSink) {}

  /** Takes `sleepMs` (the "work"), then records that it ran. Ignores aborts: a kill is the point. */
  @Task({ name: 'faults.record', params: ['sleepMs'] })
  async record(sleepMs: number, ctx: TaskContext): Promise<string> {
    this.ledger.record({
      e: 'started',
      id: ctx.id,
      t: Date.now(),
      pid: process.pid,
      redelivered: ctx.redelivered,
    });
    if (sleepMs > 0) await sleep(sleepMs);
    this.ledger.record({
      e: 'done',
      id: ctx.id,
      t: Date.now(),
      pid: process.pid,
      redelivered: ctx.redelivered,
    });
    return ctx.id;
  }

  /**
   * A chord body: records its run like `faults.record` and returns the header results it was given, so
   * a test can see each member counted once.
   */
  @Task({ name: 'faults.collect', params: ['values', 'sleepMs'] })
  async collect(values: unknown[], sleepMs: number, ctx: TaskContext): Promise<unknown[]> {
    this.ledger.record({
      e: 'started',
      id: ctx.id,
      t: Date.now(),
      pid: process.pid,
      redelivered: ctx.redelivered,
    });
    if (sleepMs > 0) await sleep(sleepMs);
    this.ledger.record({
      e: 'done',
      id: ctx.id,
      t: Date.now(),
      pid: process.pid,
      redelivered: ctx.redelivered,
    });
    return values;
  }

  /**
   * Always throws, after recording that it started. Retried twice at once (Celery's autoretry_for), so
   * it runs three times, then fails for good.
   */
  @Task({ name: 'faults.fail', autoretryFor: [Error], maxRetries: 2, defaultRetryDelay: 0 })
  fail(ctx: TaskContext): never {
    this.ledger.record({
      e: 'started',
      id: ctx.id,
      t: Date.now(),
      pid: process.pid,
      redelivered: ctx.redelivered,
    });
    throw new Error(`faults.fail always fails (task ${ctx.id})`);
  }
}
