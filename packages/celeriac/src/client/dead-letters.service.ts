import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Channel, GetMessage } from 'amqplib';
import { deadLetterQueueName, DEFAULT_EXCHANGE } from '../options/queue-declarations.js';
import { DeadLetterQueueMissingError } from '../errors/dead-letter-queue-missing.error.js';
import { DeadLetterReplayError } from '../errors/dead-letter-replay.error.js';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { describeValue } from '../errors/describe-value.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import {
  readDeadLetter,
  replayMessage,
  type DeadLetter,
} from '../dead-letters/dead-letter-record.js';

/** Options of `DeadLetters.list()`. */
export interface ListDeadLettersOptions {
  /** At most this many, oldest first. @defaultValue `100` */
  limit?: number;
}

/** Options of `DeadLetters.replay()`. */
export interface ReplayDeadLettersOptions {
  /** Only the letters of these task ids. Default: every letter. */
  ids?: readonly string[];
  /** At most this many. Default: no limit. */
  limit?: number;
}

const DEFAULT_LIST_LIMIT = 100;
/** AMQP reply code of a passive declare of a queue that does not exist. */
const NOT_FOUND = 404;

/**
 * Looks into and empties the dead-letter queues (`<queue>.dead`) the workers fill. Every method takes the
 * task queue's name (`'celery'`), not the dead-letter queue's.
 *
 * Nothing is lost on the way: messages are taken with `basic.get` unacked on a channel of their own, and
 * one is removed only when what replaces it is confirmed; whatever was not removed goes back to the queue
 * when that channel closes, also when the process dies in between. A replay can therefore duplicate a
 * task (confirmed, then the ack is lost), never drop one.
 *
 * @example
 * const letters = await deadLetters.list('celery', { limit: 20 });
 * await deadLetters.replay('celery', { ids: [letters[0].id] });
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);

  constructor(
    private readonly runtime: TaskQueueRuntime,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
  ) {}

  /**
   * The first `limit` dead letters of `queue`, left in place (a peek: they are taken and given back).
   * @throws DeadLetterQueueMissingError when `<queue>.dead` does not exist
   */
  async list(queue: string, options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
    const limit = checkLimit(options.limit ?? DEFAULT_LIST_LIMIT);
    return this.withQueue(queue, async (channel, dead, count) => {
      const letters: DeadLetter[] = [];
      while (letters.length < Math.min(limit, count)) {
        const message = await take(channel, dead);
        if (!message) break;
        letters.push(readDeadLetter(message, this.options.maxPayloadBytes));
      }
      return letters;
    });
  }

  /**
   * Sends dead letters back to their original queue as fresh tasks (`retries` 0, the dead-letter headers
   * gone), each removed from the dead-letter queue only after the broker confirmed its copy. Letters that
   * do not name their original queue stay. Returns how many were replayed.
   * @throws DeadLetterReplayError when the broker refuses a copy; that letter and the rest stay
   * @throws DeadLetterQueueMissingError when `<queue>.dead` does not exist
   */
  async replay(queue: string, options: ReplayDeadLettersOptions = {}): Promise<number> {
    const limit = options.limit === undefined ? Infinity : checkLimit(options.limit);
    const wanted = options.ids ? new Set(options.ids) : null;
    const replayed = await this.withQueue(queue, async (channel, dead, count) => {
      let done = 0;
      // Only what was there at the start: letters dead-lettered meanwhile wait for the next call.
      for (let seen = 0; seen < count && done < limit && wanted?.size !== 0; seen++) {
        const message = await take(channel, dead);
        if (!message) break;
        const id = readDeadLetter(message, this.options.maxPayloadBytes).id;
        if (wanted && (id === null || !wanted.has(id))) continue;
        const replay = replayMessage(message);
        if (!replay) {
          this.logger.warn(
            `Not replaying dead letter ${id ?? '(no id)'} of "${queue}": it names no original queue`,
          );
          continue;
        }
        try {
          await this.runtime.publisher.publish({
            exchange: DEFAULT_EXCHANGE,
            routingKey: replay.queue,
            message: replay.message,
            mandatory: true,
            what: `the replay of dead letter ${id ?? '(no id)'} to "${replay.queue}"`,
          });
        } catch (err: unknown) {
          throw new DeadLetterReplayError(queue, done, err);
        }
        channel.ack(message);
        done++;
        if (id !== null) wanted?.delete(id);
      }
      return done;
    });
    this.logger.log(`Replayed ${replayed} dead letter(s) of "${queue}"`);
    return replayed;
  }

  /**
   * Deletes every dead letter of `queue`. Returns how many there were.
   * @throws DeadLetterQueueMissingError when `<queue>.dead` does not exist
   */
  async purge(queue: string): Promise<number> {
    const purged = await this.withQueue(queue, async (channel, dead) => {
      const { messageCount } = await channel.purgeQueue(dead);
      return messageCount;
    });
    this.logger.log(`Purged ${purged} dead letter(s) of "${queue}"`);
    return purged;
  }

  /**
   * Runs `work` on a throwaway channel of the consuming connection (a broker alarm blocks publishing
   * connections only), with the dead-letter queue checked and its depth at the start. Anything `work`
   * took and did not ack goes back to the queue when the channel closes.
   */
  private async withQueue<T>(
    queue: string,
    work: (channel: Channel, dead: string, count: number) => Promise<T>,
  ): Promise<T> {
    const dead = deadLetterQueueName(queue);
    const connection = this.runtime.connections.get('consume');
    await connection.waitForConnect(this.options.connectTimeoutMs);
    const model = connection.current;
    if (!model) throw new IllegalStateError('Not connected to the broker; try again');
    const channel = await model.createChannel();
    // Errors reach us as rejected calls; without a listener amqplib would also throw them at the process.
    channel.on('error', () => undefined);
    try {
      let count: number;
      try {
        count = (await channel.checkQueue(dead)).messageCount;
      } catch (err: unknown) {
        // Only a 404 means missing; a channel or connection that closed is not an empty answer.
        if ((err as { code?: unknown }).code === NOT_FOUND) {
          throw new DeadLetterQueueMissingError(queue, dead);
        }
        throw err;
      }
      return await work(channel, dead, count);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

/** One message, unacked; null when the queue is empty. */
async function take(channel: Channel, queue: string): Promise<GetMessage | null> {
  const message = await channel.get(queue, { noAck: false });
  return message === false ? null : message;
}

/** @throws InvalidOptionsError (a `TaskQueueError`, so `hasErrorCode()` classifies it) */
function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidOptionsError(
      'limit',
      `must be a positive integer, got ${describeValue(limit)}`,
    );
  }
  return limit;
}
