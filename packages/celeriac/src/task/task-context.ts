import { BaseRpcContext } from '@nestjs/microservices';
import { TaskRetryError } from '../errors/task-retry.error.js';
import type { IncomingFields } from '../message/amqp-message.js';
import type { TaskMessage } from '../message/task-message.js';
import { checkRetryOptions, type RetryOptions } from './retry-options.js';
import type { TaskAbort } from './task-abort.js';
import { SENT_AT_HEADER } from '../message/protocol-headers.js';

/** The headers without the publish time Celeriac stamps on every task (the same object when absent). */
function withoutBookkeeping(
  headers: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  if (!Object.hasOwn(headers, SENT_AT_HEADER)) return headers;
  const { [SENT_AT_HEADER]: _sentAt, ...custom } = headers;
  return custom;
}

/**
 * What a handler knows about the task it runs. Passed as the handler's last argument; also the Nest
 * RPC context of the call, so interceptors and `@Ctx()` see it.
 */
export class TaskContext extends BaseRpcContext<[TaskMessage, IncomingFields]> {
  /** Task id. */
  readonly id: string;
  /** Task name. */
  readonly name: string;
  /** How many times this task was already retried (0 on the first run). */
  readonly retries: number;
  /** Keyword arguments as sent (Python's `**kwargs`). */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly eta: Date | null;
  readonly expires: Date | null;
  /** True when the broker delivered this message before (a worker died or a channel closed mid-task). */
  readonly redelivered: boolean;
  /** Queue the task came from. */
  readonly queue: string;
  /** This worker's node name. */
  readonly hostname: string;
  /** Truly private (not a TS `private`): a handler has `signal`, and no business aborting its own task. */
  readonly #abort: TaskAbort;
  readonly #extraHeaders: Readonly<Record<string, unknown>>;
  #headers: Readonly<Record<string, unknown>> | undefined;

  constructor(
    message: TaskMessage,
    fields: IncomingFields,
    queue: string,
    hostname: string,
    abort: TaskAbort,
  ) {
    super([message, fields]);
    this.id = message.id;
    this.name = message.task;
    this.retries = message.retries;
    this.kwargs = message.kwargs;
    this.#extraHeaders = message.extraHeaders;
    this.rootId = message.rootId;
    this.parentId = message.parentId;
    this.groupId = message.groupId;
    this.eta = message.eta;
    this.expires = message.expires;
    this.redelivered = fields.redelivered;
    this.queue = queue;
    this.hostname = hostname;
    this.#abort = abort;
  }

  /**
   * Custom headers sent with the task (`send(..., { headers })`, Python's `headers=`), and the
   * `traceparent` / `tracestate` of its trace; not Celeriac's own `timestamp_in_ms`.
   */
  get headers(): Readonly<Record<string, unknown>> {
    // Built on first read: most handlers never look at their headers.
    this.#headers ??= withoutBookkeeping(this.#extraHeaders);
    return this.#headers;
  }

  /**
   * Aborted when the task must stop: worker shutdown past its grace period, a time limit, or a revoke
   * with `terminate` (the reason is then a `TaskRevokedError` whose `reason` is `terminated`).
   */
  get signal(): AbortSignal {
    // Created on first read (see TaskAbort): most handlers never look at it.
    return this.#abort.signal;
  }

  /**
   * Runs the task again later (Celery's `raise self.retry(...)`). Always throws: a copy of the message
   * with `retries + 1` is published first, the caller sees RETRY, and the handler runs again after
   * `countdown` seconds (the task's `defaultRetryDelay`, 180 s, when neither `countdown` nor `eta` is
   * given). If the retry would exceed `maxRetries`, the task fails instead, with `exc` or Celery's
   * `MaxRetriesExceededError`.
   *
   * @example
   * if (response.status === 429) ctx.retry({ countdown: 30, exc: new Error('rate limited') });
   *
   * @throws TaskRetryError, always (let it propagate; rethrow it from a broad `catch`)
   * @throws InvalidRetryOptionsError for a bad option: the task then fails, without retrying
   */
  retry(options: RetryOptions = {}): never {
    throw new TaskRetryError(checkRetryOptions(options));
  }

  /** The decoded message, for what the fields above do not cover. */
  get message(): TaskMessage {
    return this.args[0];
  }
}
