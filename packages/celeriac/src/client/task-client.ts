import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import {
  toWireSignature,
  type SendWithLinksOptions,
  type TaskSignature,
} from '../canvas/task-signature.js';
import type { ChordSignature } from '../canvas/chord-signature.js';
import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { AsyncResult } from '../results/async-result.js';
import { GroupResult } from '../results/group-result.js';
import type { RevocationPublisher } from '../revocation/revocation-publisher.js';
import { buildRevokeRecord, type RevokeOptions } from '../revocation/revoke-request.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { TaskRef } from '../task/task-ref.js';
import { checkedArguments } from './checked-arguments.js';
import { TaskSender } from './task-sender.js';
import { sendChain } from './send-chain.js';
import type { SendCall } from './bulk-send.js';
import type { SendOptions } from '../sending/send-options.js';

type Kwargs = Readonly<Record<string, unknown>>;

/**
 * Sends tasks, like Celery's `send_task` / `apply_async`, and canvas workflows (`chain`, `group`,
 * `link`/`linkError` callbacks). Every call resolves only once the broker has confirmed the message
 * (persistent, mandatory), and returns a handle on the result.
 *
 * @example
 * const result = await tasks.send('articles.incr_read_times', [slug], {}, { countdown: 10 });
 * const reads = await result.get({ timeoutMs: 5_000 });
 */
@Injectable()
export class TaskClient {
  private readonly origin = `gen${process.pid}@${hostname()}`;
  private readonly sender: TaskSender;
  private revocationsInstance: RevocationPublisher | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedTaskQueueOptions,
    private readonly runtime: TaskQueueRuntime,
  ) {
    this.sender = new TaskSender(options, runtime, this.origin);
  }

  /** Made on first use: a process that never revokes never opens the revocation stream's connection. */
  private get revocations(): RevocationPublisher {
    this.revocationsInstance ??= this.runtime.revocationPublisher();
    return this.revocationsInstance;
  }

  /**
   * Sends a task by name or typed reference.
   * @throws InvalidSendOptionsError for a bad option, before anything is published
   * @throws PayloadTooLargeError when the message exceeds `maxPayloadBytes`
   * @throws UnroutableError when no queue is bound for the exchange and routing key
   * @throws PublishTimeoutError when the broker does not confirm within `publishTimeoutMs`, or (`unreachable`,
   *   not sent) when there was no connection for the reply queue of a send that wants a result
   * @throws PublishBacklogFullError at once, when `maxPendingPublishes` publishes already wait
   * @throws PublishError when the broker refused it, or the reply queue could not be set up
   * @throws QueueDeclarationError when the broker refused to declare the task's queue
   */
  send<A extends readonly unknown[], R>(
    task: TaskRef<A, R>,
    args: A,
    kwargs?: Kwargs,
    options?: SendWithLinksOptions,
  ): Promise<AsyncResult<R>>;
  send<R = unknown>(
    task: string,
    args?: readonly unknown[],
    kwargs?: Kwargs,
    options?: SendWithLinksOptions,
  ): Promise<AsyncResult<R>>;
  send(
    task: string | TaskRef,
    args: readonly unknown[] = [],
    kwargs: Kwargs = {},
    options: SendWithLinksOptions = {},
  ): Promise<AsyncResult> {
    if (typeof task === 'string') return this.sender.sendOne(task, args, kwargs, options, {});
    // A reference that never reports makes the handle refuse to wait, unless the caller said otherwise.
    const sendOptions =
      task.ignoresResult === true && options.ignoreResult === undefined
        ? { ...options, ignoreResult: true }
        : options;
    // Only a reference with a schema pays for the check; the others go straight on.
    if (task.argsSchema && Object.keys(kwargs).length === 0) {
      return checkedArguments(task.name, task.argsSchema, args).then(() =>
        this.sender.sendOne(task.name, args, kwargs, sendOptions, {}),
      );
    }
    return this.sender.sendOne(task.name, args, kwargs, sendOptions, {});
  }

  /**
   * Sends many calls of one task and waits once for the broker to confirm them all (BullMQ's `addBulk`;
   * what Celery's `group` does for its members, without the group id). The batch is checked whole
   * first: one bad call, or more calls than `maxPendingPublishes` has free, throws as `send()` would
   * (an option named `calls[i].…`) and nothing is published. Then every call is published in one go,
   * and each settles on its own: the result has one entry per call, in order, a handle when the broker
   * confirmed it, the error `send()` would have thrown when not (an unroutable or refused message).
   *
   * @example
   * const sent = await tasks.sendMany('emails.send', users.map((u) => ({ args: [u.email] })), {
   *   ignoreResult: true,
   * });
   * const failed = sent.filter((s) => s.status === 'rejected');
   *
   * @param calls - each call's args, and optionally its kwargs and its own options (a `taskId`, say),
   *   merged over `options`
   * @param options - send options for every call (no `link`/`linkError`: use `send()` for callbacks)
   * @throws InvalidSendOptionsError, InvalidTaskArgumentsError, PayloadTooLargeError for a bad call
   * @throws PublishBacklogFullError when the batch does not fit in the free `maxPendingPublishes`
   */
  sendMany<A extends readonly unknown[], R>(
    task: TaskRef<A, R>,
    calls: readonly SendCall<A>[],
    options?: SendOptions,
  ): Promise<PromiseSettledResult<AsyncResult<R>>[]>;
  sendMany<R = unknown>(
    task: string,
    calls: readonly SendCall[],
    options?: SendOptions,
  ): Promise<PromiseSettledResult<AsyncResult<R>>[]>;
  async sendMany(
    task: string | TaskRef,
    calls: readonly SendCall[],
    options: SendOptions = {},
  ): Promise<PromiseSettledResult<AsyncResult>[]> {
    if (typeof task === 'string') return this.sender.sendMany(task, calls, options);
    const schema = task.argsSchema;
    if (schema) {
      // As send(): the schema checks positional arguments, so calls with kwargs go unchecked.
      const checked = calls.filter((c) => !c.kwargs || Object.keys(c.kwargs).length === 0);
      await Promise.all(checked.map((c) => checkedArguments(task.name, schema, c.args)));
    }
    const batchOptions =
      task.ignoresResult === true && options.ignoreResult === undefined
        ? { ...options, ignoreResult: true }
        : options;
    return this.sender.sendMany(task.name, calls, batchOptions);
  }

  /** Celery's `delay()`: positional args, default options; by name or typed reference, as `send()`. */
  delay<A extends readonly unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<AsyncResult<R>>;
  delay<R = unknown>(task: string, ...args: unknown[]): Promise<AsyncResult<R>>;
  delay(task: string | TaskRef, ...args: unknown[]): Promise<AsyncResult> {
    return typeof task === 'string' ? this.send(task, args) : this.send(task, args);
  }

  /**
   * Runs signatures one after another, each receiving the previous result as its first argument
   * (Celery's `chain(a, b, c)` / `a | b | c`). The steps after the first travel inside the message; the
   * worker that finishes a step publishes the next. Resolves with the last step's handle; `.parent`
   * walks back to the first. The last step may be a `chordSignature()` (Redis backend): its header gets
   * the previous result, and the handle is its body's.
   */
  async chain<R = unknown>(
    steps: readonly (TaskSignature | ChordSignature)[],
  ): Promise<AsyncResult<R>> {
    return sendChain<R>(this.sender, this.runtime.results, steps);
  }

  /**
   * Runs signatures in parallel (Celery's `group`). Each member is an ordinary task carrying the group
   * id; the handle gathers their results in order.
   */
  async group<R = unknown>(members: readonly TaskSignature[]): Promise<GroupResult<R>> {
    if (members.length === 0)
      throw new InvalidSendOptionsError('group', 'needs at least one signature');
    const groupId = randomUUID();
    const results: AsyncResult<R>[] = [];
    for (const member of members) {
      results.push(
        await this.sender.sendOne(
          member.task,
          member.args,
          member.kwargs,
          { ...member.options, taskId: member.id },
          { groupId },
        ),
      );
    }
    return new GroupResult(groupId, results);
  }

  /**
   * Runs the header signatures in parallel, then the body once with the list of their results in header
   * order (Celery's `chord(header)(body)`). Needs the Redis result backend, which counts finished members;
   * if a member fails, the body is not run: its result is FAILURE with Celery's `ChordError` and its
   * `linkError` callbacks run with its id.
   *
   * @example
   * const total = await client.chord([signature('tasks.add', [1, 1]), signature('tasks.add', [2, 2])], signature('tasks.tsum'));
   * await total.get(); // 6
   *
   * @throws InvalidSendOptionsError for an empty header, or with rpc://
   */
  async chord<R = unknown>(
    header: readonly TaskSignature[],
    body: TaskSignature<R>,
  ): Promise<AsyncResult<R>> {
    if (header.length === 0)
      throw new InvalidSendOptionsError('chord', 'needs at least one header signature');
    const backend = this.runtime.results;
    if (backend.kind !== 'redis') {
      throw new InvalidSendOptionsError(
        'chord',
        "needs the Redis result backend (resultBackend: 'redis://…'): rpc:// cannot count header members",
      );
    }
    const replyTo = await this.sender.replyQueue('chord');
    const groupId = randomUUID();
    const chord = toWireSignature(body, replyTo, Date.now());
    // The size goes first: a fast member must find it, or its worker would not know the chord is complete.
    await backend.setChordSize(groupId, header.length);
    await Promise.all(
      header.map((member, groupIndex) =>
        this.sender.sendOne(
          member.task,
          member.args,
          member.kwargs,
          { ...member.options, taskId: member.id },
          { groupId, groupIndex, chord },
        ),
      ),
    );
    return backend.track<R>(body.id);
  }

  /** Saves a group's member ids in the result backend (Celery's `GroupResult.save()`); Redis only. */
  async saveGroup(group: GroupResult): Promise<void> {
    await this.runtime.results.saveGroup(
      group.id,
      group.results.map((r) => r.id),
    );
  }

  /** A group saved by any process (Celery's `GroupResult.restore(id)`), or null when none is saved. */
  async restoreGroup<R = unknown>(groupId: string): Promise<GroupResult<R> | null> {
    const ids = await this.runtime.results.restoreGroup(groupId);
    if (ids === null) return null;
    return new GroupResult<R>(
      groupId,
      ids.map((id) => this.runtime.results.track<R>(id)),
    );
  }

  /** Deletes a saved group (Celery's `GroupResult.forget()` without its members). */
  async forgetGroup(groupId: string): Promise<void> {
    await this.runtime.results.forgetGroup(groupId);
  }

  /**
   * Revokes tasks by id (Celery's `app.control.revoke`): every worker refuses to start them for
   * `revocation.retentionMs` (3 h by default), including workers that start later or restart, and answers
   * REVOKED (`TaskRevokedError('revoked')`). With `terminate`, a worker running one aborts its `ctx.signal`.
   * It is also broadcast as Celery's own revoke command, which Python Celery workers running now honour.
   * Resolves once the broker has confirmed both; an unknown id is harmless.
   *
   * @example
   * await tasks.revoke(result.id);
   * await tasks.revoke([a.id, b.id], { terminate: true, reason: 'order cancelled' });
   *
   * @throws InvalidRevokeError for a bad argument, before anything is published
   * @throws RevocationStreamError when the revocation stream cannot be declared (another retention)
   * @throws BrokerUnreachableError when there is no connection within `connectTimeoutMs` to declare it
   * @throws PublishError when the broker does not confirm within `publishTimeoutMs`
   */
  async revoke(taskIds: string | readonly string[], options: RevokeOptions = {}): Promise<void> {
    const record = buildRevokeRecord(taskIds, options, Date.now(), this.origin);
    const shown =
      record.ids.length === 1 ? `task ${record.ids[0] ?? ''}` : `${record.ids.length} tasks`;
    await this.revocations.publish(record, `the revocation of ${shown}`);
    // Python Celery workers read Celery's own broadcast, not the stream.
    await this.revocations.broadcastToCelery(record, `the revocation of ${shown}`);
  }

  /**
   * A handle on a task's result by id. With the Redis backend any task id works, whichever process sent
   * it, and an unknown id is PENDING. With rpc:// only tasks this process sent (or signatures it sent as
   * chain steps or callbacks) resolve here: results come over this process's reply queue.
   */
  result<R = unknown>(task: string | TaskSignature<R>): AsyncResult<R> {
    return this.runtime.results.track<R>(typeof task === 'string' ? task : task.id);
  }
}
