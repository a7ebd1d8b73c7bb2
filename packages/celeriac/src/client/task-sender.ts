import { randomUUID } from 'node:crypto';
import {
  asList,
  linkedSignatures,
  type SendWithLinksOptions,
  type TaskSignature,
} from '../canvas/task-signature.js';
import { toError } from '../errors/error-text.js';
import { clientEventHostname } from '../events/celery-event.js';
import { EventDispatcher } from '../events/event-dispatcher.js';
import { sentFields } from '../events/task-event-fields.js';
import type { TaskMessage } from '../message/task-message.js';
import type { ResolvedTaskQueueOptions, RouteTarget } from '../options/task-queue-options.js';
import { AsyncResult } from '../results/async-result.js';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { replyQueueFailure } from '../sending/reply-queue-failure.js';
import { resolveSendOptions, type SendOptions } from '../sending/send-options.js';
import { TaskPublisher } from '../sending/task-publisher.js';
import { outgoingTaskMessage, type Lineage, type Outgoing } from './outgoing-task.js';
import { sendMany, type BulkSendWiring, type SendCall } from './bulk-send.js';

type Kwargs = Readonly<Record<string, unknown>>;

/**
 * Turns one task call into a confirmed message and a result handle: the send options resolved, the reply
 * queue when a result is wanted, the handles tracked before publishing, Celery's `task-sent` after the
 * confirm. `TaskClient` builds its sends, chains, groups and chords on it.
 */
export class TaskSender {
  private readonly publisher: TaskPublisher;
  /** Sends `task-sent` events when `events.taskSent` is on; null otherwise. */
  private readonly sentEvents: EventDispatcher | null;
  private readonly publishTimeoutMs: number;
  private readonly bulk: BulkSendWiring;

  constructor(
    options: ResolvedTaskQueueOptions,
    private readonly runtime: TaskQueueRuntime,
    private readonly origin: string,
  ) {
    this.publishTimeoutMs = options.publishTimeoutMs;
    // Creating the runtime's publisher opens the publish connection, in the background: every app with
    // TaskQueueModule connects as it starts, so readiness (`TaskQueueRuntime.health()`) finds an
    // unreachable broker before anything is sent (health-http.int-spec.ts holds it to that).
    this.publisher = new TaskPublisher(options, runtime.publisher);
    // Celery's task_send_sent_event: off by default, so a client pays nothing for it unless asked.
    this.sentEvents = options.events.taskSent
      ? new EventDispatcher(runtime.publisher, clientEventHostname())
      : null;
    const sentEvents = this.sentEvents;
    this.bulk = {
      publisher: this.publisher,
      get results() {
        return runtime.results;
      },
      origin,
      replyQueue: (task) => this.replyQueue(task),
      sent: (prepared) => {
        void sentEvents?.send('task-sent', sentFields(prepared.message, prepared.route));
      },
    };
  }

  /** Many calls of one task, confirmed together; see `sendMany` in bulk-send.ts. */
  sendMany<R>(
    name: string,
    calls: readonly SendCall[],
    options: SendOptions,
  ): Promise<PromiseSettledResult<AsyncResult<R>>[]> {
    return sendMany<R>(this.bulk, name, calls, options);
  }

  /**
   * Not an async function, so that a send without a result (the common case for fire-and-forget work)
   * costs no async frames of its own; the reply queue is awaited only when a result is wanted.
   */
  sendOne<R>(
    name: string,
    args: readonly unknown[],
    kwargs: Kwargs,
    options: SendWithLinksOptions,
    lineage: Lineage,
  ): Promise<AsyncResult<R>> {
    try {
      // `link`, `linkError` and `immutable` (from a signature) are known to resolveSendOptions, which
      // leaves them alone: no copy of the options without them.
      const outgoing: Outgoing = {
        name,
        args,
        kwargs,
        lineage,
        resolved: resolveSendOptions(options satisfies SendOptions, Date.now()),
        callbacks: asList(options.link),
        errbacks: asList(options.linkError),
      };
      const needsReply =
        !outgoing.resolved.ignoreResult || outgoing.callbacks.length + outgoing.errbacks.length > 0;
      if (needsReply) {
        return this.replyQueue(name).then((replyTo) => this.publishOne<R>(outgoing, replyTo));
      }
      return this.publishOne<R>(outgoing, null);
    } catch (err: unknown) {
      return Promise.reject(toError(err));
    }
  }

  /** Celery's `task-sent`, once the broker confirmed the task; best effort, never fails the send. */
  private sendSentEvent(message: TaskMessage, target: RouteTarget): void {
    const route = this.publisher.routeOf(message.task, target);
    void this.sentEvents?.send('task-sent', sentFields(message, route));
  }

  private publishOne<R>(outgoing: Outgoing, replyTo: string | null): Promise<AsyncResult<R>> {
    const { resolved, callbacks, errbacks } = outgoing;
    const id = resolved.taskId ?? randomUUID();
    const wantsResult = !resolved.ignoreResult;
    const message = outgoingTaskMessage(outgoing, id, replyTo, this.origin, Date.now());
    if (!wantsResult && callbacks.length + errbacks.length === 0 && !this.sentEvents) {
      // Fire and forget, the common bulk case: nothing is tracked, so nothing to undo on failure.
      const ignored = AsyncResult.ignored<R>(id);
      return this.publisher.publish(message, resolved.route).then(() => ignored);
    }
    // Track before publishing: a fast worker may answer before publish() returns.
    const handle = wantsResult ? this.runtime.results.track<R>(id) : AsyncResult.ignored<R>(id);
    const linked =
      callbacks.length + errbacks.length === 0
        ? []
        : [...callbacks, ...errbacks].flatMap((s) => [s, ...linkedSignatures(s)]);
    for (const s of linked) this.runtime.results.track(s.id);
    const untrack = (): void => {
      for (const taskId of [id, ...linked.map((s) => s.id)]) this.runtime.results.untrack(taskId);
    };
    let published: Promise<void>;
    try {
      published = this.publisher.publish(message, resolved.route);
    } catch (err: unknown) {
      untrack();
      return Promise.reject(toError(err));
    }
    return published.then(
      () => {
        if (this.sentEvents) this.sendSentEvent(message, resolved.route);
        return handle;
      },
      (err: unknown) => {
        untrack();
        return Promise.reject(toError(err));
      },
    );
  }

  /**
   * The reply queue, once it consumes. Waits at most `publishTimeoutMs`, like the publish itself, and
   * fails as a send does: `PublishTimeoutError` (`unreachable`, not sent) when there is no connection,
   * `PublishError` when the reply queue could not be set up.
   */
  async replyQueue(task: string): Promise<string> {
    try {
      await this.runtime.results.start(this.publishTimeoutMs);
    } catch (err: unknown) {
      // Worded only on failure: a send that wants a result builds no string for it.
      throw replyQueueFailure(
        err,
        `task "${task}"`,
        this.publishTimeoutMs,
        this.runtime.connections.get('consume'),
      );
    }
    return this.runtime.results.replyQueue;
  }

  async replyQueueFor(steps: readonly TaskSignature[]): Promise<string | null> {
    return steps.some((s) => s.options.ignoreResult !== true)
      ? this.replyQueue(steps[0]?.task ?? '')
      : null;
  }
}
