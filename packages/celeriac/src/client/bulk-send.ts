import { randomUUID } from 'node:crypto';
import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import { toError } from '../errors/error-text.js';
import { AsyncResult } from '../results/async-result.js';
import type { ResultBackend } from '../results/result-backend.js';
import { resolveSendOptions, type SendOptions } from '../sending/send-options.js';
import type { PreparedTask, TaskPublisher } from '../sending/task-publisher.js';
import { outgoingTaskMessage, type Outgoing } from './outgoing-task.js';

/** One call of a task in `TaskClient.sendMany()`: its arguments and, optionally, its own send options. */
export interface SendCall<A extends readonly unknown[] = readonly unknown[]> {
  readonly args: A;
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Merged over the batch's options; `taskId` belongs here, never in the batch's options. */
  readonly options?: SendOptions;
}

/** What `sendMany` needs of the client around it. */
export interface BulkSendWiring {
  readonly publisher: TaskPublisher;
  readonly results: ResultBackend;
  readonly origin: string;
  /** The reply queue, awaited only when some call wants its result. */
  replyQueue(task: string): Promise<string>;
  /** Called for each task the broker confirmed (`task-sent`); may do nothing. */
  sent(prepared: PreparedTask): void;
}

/** `calls[i].field`: the call's option, named so that the caller finds the call. */
function atCall(index: number, err: unknown): unknown {
  return err instanceof InvalidSendOptionsError
    ? new InvalidSendOptionsError(`calls[${index}].${err.field}`, err.problem)
    : err;
}

/**
 * Sends many calls of one task with one confirm wait. Every call is checked, encoded and size-checked
 * first, and the batch must fit in the free publishes of `maxPendingPublishes`: one bad call, or no room,
 * throws before anything is published. Then every call is written in the same turn of the event loop
 * (one socket write for the batch) and the confirms are awaited together; each call settles on its own,
 * so an unroutable or refused message fails its call only.
 */
export async function sendMany<R>(
  wiring: BulkSendWiring,
  name: string,
  calls: readonly SendCall[],
  batchOptions: SendOptions,
): Promise<PromiseSettledResult<AsyncResult<R>>[]> {
  if (batchOptions.taskId !== undefined) {
    throw new InvalidSendOptionsError('taskId', 'give each call its own taskId, not the batch');
  }
  const now = Date.now();
  const outgoing = calls.map((call, index): Outgoing => {
    try {
      const options = call.options ? { ...batchOptions, ...call.options } : batchOptions;
      return {
        name,
        args: call.args,
        kwargs: call.kwargs ?? {},
        lineage: {},
        resolved: resolveSendOptions(options, now),
        callbacks: [],
        errbacks: [],
      };
    } catch (err: unknown) {
      throw atCall(index, err);
    }
  });
  const replyTo = outgoing.some((o) => !o.resolved.ignoreResult)
    ? await wiring.replyQueue(name)
    : null;
  const prepared = outgoing.map((o, index) => {
    try {
      const id = o.resolved.taskId ?? randomUUID();
      return wiring.publisher.prepare(
        outgoingTaskMessage(o, id, replyTo, wiring.origin, now),
        o.resolved.route,
      );
    } catch (err: unknown) {
      throw atCall(index, err);
    }
  });
  const refusal = wiring.publisher.batchRefusal(
    prepared.length,
    `a batch of ${prepared.length} "${name}" tasks`,
  );
  if (refusal) throw refusal;
  // Tracked before publishing: a fast worker may answer before its confirm.
  const handles = prepared.map((p) =>
    p.message.ignoreResult
      ? AsyncResult.ignored<R>(p.message.id)
      : wiring.results.track<R>(p.message.id),
  );
  const published = await Promise.allSettled(
    prepared.map((p) => wiring.publisher.publishPrepared(p)),
  );
  return prepared.map((p, i): PromiseSettledResult<AsyncResult<R>> => {
    const outcome = published[i];
    const handle = handles[i];
    if (outcome?.status === 'fulfilled' && handle) {
      wiring.sent(p);
      return { status: 'fulfilled', value: handle };
    }
    if (!p.message.ignoreResult) wiring.results.untrack(p.message.id);
    return {
      status: 'rejected',
      reason: toError(outcome?.status === 'rejected' ? outcome.reason : undefined),
    };
  });
}
