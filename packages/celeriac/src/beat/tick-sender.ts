import type { ConfirmChannel } from 'amqplib';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';
import { encodeTask } from '../message/encode-task.js';
import type { ResolvedRoute, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { createTaskRouter, type TaskRouter } from '../routing/task-router.js';
import { assertQueueTopology, queueDepth } from '../transport/topology.js';
import { publishConfirmed } from './confirmed-publish.js';
import type { ElectionSession } from './election-session.js';
import { tickMessage, type Tick } from './tick-message.js';

/**
 * Sends ticks on a session's confirm channel. A tick and its record are ONE publish: the message goes to
 * the task's route with a `BCC` header naming the tick stream, so the broker routes the same message to both
 * (and strips the header before delivery). There is no moment where a tick reached its queue but not the
 * record, or the other way round; a new leader that reads the stream therefore knows every tick that went
 * out, and sends none of them again.
 */
export class TickSender {
  private readonly router: TaskRouter;
  /** Queues and bindings declared on the current session's channel, by key. */
  private readonly declared = new Set<string>();

  constructor(
    private readonly options: ResolvedTaskQueueOptions,
    private readonly session: ElectionSession,
    private readonly tickStream: string,
    private readonly origin: string,
    private readonly timeoutMs: number,
  ) {
    this.router = createTaskRouter(options);
  }

  /**
   * Publishes one tick and waits for the broker's confirm.
   * @param nextDue - the entry's next due time after now (the default expiry), or null
   * @throws on any failure: the caller then ends the session rather than retrying
   */
  async send(tick: Tick, now: number, nextDue: number | null): Promise<void> {
    const route = this.router.route(tick.entry.task, tick.entry.route);
    const channel = this.session.publishChannel;
    await this.declare(channel, route);
    const message = tickMessage(tick, now, nextDue, this.origin);
    const encoded = encodeTask(message, this.options.taskHeaders);
    if (encoded.content.length > this.options.maxPayloadBytes) {
      throw new PayloadTooLargeError(
        message.task,
        encoded.content.length,
        this.options.maxPayloadBytes,
      );
    }
    await publishConfirmed(
      channel,
      route.exchange,
      route.routingKey,
      encoded.content,
      {
        ...encoded.properties,
        headers: { ...encoded.properties.headers, BCC: [this.tickStream] },
        mandatory: true,
      },
      this.timeoutMs,
    );
    if (this.session.returned.delete(message.id)) {
      throw new Error(`tick ${message.id} of "${tick.entry.name}" was unroutable`);
    }
  }

  /**
   * Declares the tick's queue (as workers and clients do), and, for a named exchange, binds the stream to it
   * with the stream's own name as key, so the BCC copy is routed by that exchange too.
   */
  private async declare(channel: ConfirmChannel, route: ResolvedRoute): Promise<void> {
    const queue =
      route.declare ?? (route.queue === null ? undefined : this.options.queues.get(route.queue));
    if (queue !== undefined && !this.declared.has(`queue:${queue.name}`)) {
      // An unconfigured queue that exists is used as it is: declaring it as Celery's missing (classic) queue
      // would be refused (406) for a quorum queue, end the session, and no tick would ever go out.
      const exists =
        route.declare !== null && (await queueDepth(this.session.connection, queue.name)) !== null;
      if (!exists) await assertQueueTopology(channel, queue);
      this.declared.add(`queue:${queue.name}`);
    }
    if (route.exchange === '' || this.declared.has(`bind:${route.exchange}`)) return;
    const type = [...this.options.queues.values()].find(
      (q) => q.exchange === route.exchange,
    )?.exchangeType;
    if (type === 'fanout') {
      // A fanout exchange ignores keys: the stream would receive every message of that exchange.
      throw new InvalidOptionsError(
        'beat.schedule',
        `ticks cannot be routed through the fanout exchange "${route.exchange}"; route them to a queue`,
      );
    }
    await channel.bindQueue(this.tickStream, route.exchange, this.tickStream);
    this.declared.add(`bind:${route.exchange}`);
  }
}
