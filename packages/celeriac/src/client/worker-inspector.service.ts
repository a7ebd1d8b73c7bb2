import { Inject, Injectable } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { type CallOptions, callWorkers, type CommandTarget } from '../control/control-caller.js';
import type { ControlReply, InspectCommand, InspectReplies } from '../control/reply-types.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';

/** Options of every inspect and control call. */
export interface WorkerCallOptions extends CommandTarget {
  /** How long to wait for replies. @defaultValue `1_000` (`celery inspect`'s default) */
  readonly timeoutMs?: number;
}

/** The replies by node name, and which of the nodes asked by name did not answer in time. */
export interface WorkerReplies<T> {
  readonly replies: Readonly<Record<string, T>>;
  /** Nodes of `destination` that did not answer; always empty for a broadcast to every worker. */
  readonly missing: readonly string[];
}

/**
 * What `celery inspect` and `celery control` do, for a Nest app: asks workers (Celeriac and Python
 * Celery alike) over Celery's remote control and gathers their replies, and purges queues.
 *
 * @example
 * const { replies, missing } = await workers.inspect('active', { timeoutMs: 2_000 });
 * await workers.control('rate_limit', { task_name: 'email.send', rate_limit: '10/s' });
 */
@Injectable()
export class WorkerInspector {
  constructor(
    private readonly runtime: TaskQueueRuntime,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
  ) {}

  /** Asks every worker (or those of `destination`/`pattern`) one inspect command. */
  inspect<K extends InspectCommand>(
    what: K,
    options: WorkerCallOptions & { args?: Readonly<Record<string, unknown>> } = {},
  ): Promise<WorkerReplies<InspectReplies[K]>> {
    return this.call<InspectReplies[K]>(what, options.args ?? {}, options);
  }

  /** The nodes that answer `ping`, by name. */
  async ping(options: WorkerCallOptions = {}): Promise<WorkerReplies<ControlReply>> {
    return this.inspect('ping', options);
  }

  /**
   * Sends a control command (`rate_limit`, `time_limit`, `add_consumer`, `cancel_consumer`,
   * `pool_grow`, `pool_shrink`, `enable_events`, `disable_events`, `shutdown`, `revoke`, ...) with
   * Celery's argument names, and gathers the `{ok}` / `{error}` replies.
   */
  control(
    method: string,
    args: Readonly<Record<string, unknown>> = {},
    options: WorkerCallOptions = {},
  ): Promise<WorkerReplies<ControlReply>> {
    return this.call<ControlReply>(method, args, options);
  }

  /**
   * Deletes every ready message of a queue (Celery's `celery purge -Q`); messages workers hold unacked
   * are not touched. @returns how many were deleted
   */
  async purge(queue: string): Promise<number> {
    const channel = await (await this.connection()).createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.purgeQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async call<T>(
    method: string,
    args: Readonly<Record<string, unknown>>,
    options: WorkerCallOptions,
  ): Promise<WorkerReplies<T>> {
    const call: CallOptions = {
      ...options,
      timeoutMs: options.timeoutMs ?? 1_000,
    };
    const replies: Record<string, T> = {};
    for (const { node, answer } of await callWorkers(await this.connection(), method, args, call)) {
      replies[node] = answer as T;
    }
    const missing = (options.destination ?? []).filter((node) => !(node in replies));
    return { replies, missing };
  }

  private async connection(): Promise<ChannelModel> {
    const connection = this.runtime.connections.get('publish');
    await connection.waitForConnect(this.options.connectTimeoutMs);
    const model = connection.current;
    if (!model) throw new IllegalStateError('Not connected to the broker; try again');
    return model;
  }
}
