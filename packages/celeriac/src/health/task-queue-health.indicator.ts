import { Injectable } from '@nestjs/common';
import type { TaskQueueHealth } from '../runtime/task-queue.runtime.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';

/** What one indicator reports, in the shape `@nestjs/terminus` expects of a health indicator. */
export type TaskQueueIndicatorResult<Key extends string = string> = Record<
  Key,
  TaskQueueIndicatorDetails
>;

/** The details of one indicator result. */
export interface TaskQueueIndicatorDetails {
  readonly status: 'up' | 'down';
  /** Why it is down, in words (empty when up). */
  readonly problems: readonly string[];
  /** What needs a look without making it down (dead-letter queues above their warning depth). */
  readonly warnings: readonly string[];
  /** The queues a worker consumes now (absent outside a worker). */
  readonly consuming?: readonly string[];
}

/** Options of {@link TaskQueueHealthIndicator.isLive}. */
export interface LivenessOptions {
  /**
   * How long a queue may stay without its consumer, while the connection is up and not blocked, before
   * the process counts as stuck.
   * @defaultValue `300_000` (5 minutes)
   */
  readonly stuckAfterMs?: number;
}

/**
 * Health indicators for `@nestjs/terminus` (`HealthCheckService.check([() => indicator.isReady()])`),
 * with separate meanings for the two Kubernetes probes. It imports nothing of Terminus: the results have
 * the shape Terminus reads, so no extra dependency comes with it. Provided and exported by
 * `TaskQueueModule`.
 *
 * - **Readiness** (`isReady`): connected, not blocked by a broker alarm, the publish backlog not full,
 *   and in a worker, running and consuming every configured queue. It fails during a broker outage and
 *   while the worker drains; Kubernetes then only stops routing traffic, it restarts nothing. It holds
 *   from the start: the publish connection opens as the app starts, so readiness is down until it has
 *   connected, with nothing sent yet.
 * - **Liveness** (`isLive`): fails only when a restart would help: the connection is up and not blocked,
 *   yet a queue has had no consumer for `stuckAfterMs`. A broker outage does not fail it, since
 *   restarting every pod cannot bring the broker back and Celeriac reconnects by itself.
 *
 * @example
 * \@Get('ready') \@HealthCheck()
 * ready() { return this.health.check([() => this.taskQueue.isReady()]); }
 * \@Get('live') \@HealthCheck()
 * live() { return this.health.check([() => this.taskQueue.isLive()]); }
 */
@Injectable()
export class TaskQueueHealthIndicator {
  constructor(private readonly runtime: TaskQueueRuntime) {}

  /** Readiness: see the class. Resolves `{ [key]: { status: 'up' | 'down', problems, ... } }`. */
  isReady<const Key extends string = 'taskQueue'>(
    key: Key = 'taskQueue' as Key,
  ): Promise<TaskQueueIndicatorResult<Key>> {
    const health = this.runtime.health();
    const problems = [...health.problems];
    const state = health.worker?.state;
    if (state === 'draining' || state === 'closed') problems.push(`the worker is ${state}`);
    return Promise.resolve(result(key, problems, health));
  }

  /** Liveness: see the class. Resolves `{ [key]: { status: 'up' | 'down', problems, ... } }`. */
  isLive<const Key extends string = 'taskQueue'>(
    key: Key = 'taskQueue' as Key,
    options: LivenessOptions = {},
  ): Promise<TaskQueueIndicatorResult<Key>> {
    const health = this.runtime.health();
    const stuckAfterMs = options.stuckAfterMs ?? 300_000;
    const consume = health.connections.consume;
    const problems: string[] = [];
    if (health.worker?.state === 'running' && consume?.connected && consume.blocked === null) {
      const now = Date.now();
      for (const q of health.worker.queues) {
        if (!q.consuming && now - q.since.getTime() > stuckAfterMs) {
          problems.push(
            `no consumer on "${q.queue}" for ${Math.round((now - q.since.getTime()) / 1000)} s while ` +
              `connected (${q.state}${q.lastError ? `: ${q.lastError}` : ''})`,
          );
        }
      }
    }
    return Promise.resolve(result(key, problems, health));
  }
}

function result<Key extends string>(
  key: Key,
  problems: readonly string[],
  health: TaskQueueHealth,
): TaskQueueIndicatorResult<Key> {
  const consuming = health.worker?.queues.filter((q) => q.consuming).map((q) => q.queue);
  const details: TaskQueueIndicatorDetails = {
    status: problems.length === 0 ? 'up' : 'down',
    problems,
    warnings: health.warnings,
    ...(consuming !== undefined ? { consuming } : {}),
  };
  // A computed key widens to `string`; the object has exactly the one key `key`.
  const out: Partial<TaskQueueIndicatorResult<Key>> = {};
  out[key] = details;
  return out as TaskQueueIndicatorResult<Key>;
}
