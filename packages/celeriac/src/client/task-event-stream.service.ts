import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import type { CeleryEvent } from '../events/celery-event.js';
import {
  type EventReceiverOptions,
  type EventSubscription,
  receiveEvents,
} from '../events/event-receiver.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';

/**
 * Celery's monitoring events (worker heartbeats, task events) from every worker on the broker, Python
 * or Celeriac, as `celery events` and Flower see them: an RxJS stream or an async iterator. Each
 * subscription has its own queue, removed when it ends; it ends too when its channel is lost (a broker
 * restart): subscribe again.
 *
 * @example
 * for await (const event of events.iterate({ routingKey: 'task.#' })) console.log(event.type, event.uuid);
 * events.observe().pipe(filter((e) => e.type === 'task-failed')).subscribe(alert);
 */
@Injectable()
export class TaskEventStream {
  constructor(
    private readonly runtime: TaskQueueRuntime,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTaskQueueOptions,
  ) {}

  /** The events as they come; unsubscribing removes the queue. */
  observe(options: EventReceiverOptions = {}): Observable<CeleryEvent> {
    return new Observable<CeleryEvent>((subscriber) => {
      let subscription: EventSubscription | undefined;
      let closed = false;
      this.subscribe((event) => {
        subscriber.next(event);
      }, options).then(
        (opened) => {
          subscription = opened;
          if (closed) void opened.close();
          else
            void opened.ended.then(() => {
              subscriber.complete();
            });
        },
        (err: unknown) => {
          subscriber.error(err);
        },
      );
      return () => {
        closed = true;
        void subscription?.close();
      };
    });
  }

  /** The events as an async iterator; `break` (or `return()`) removes the queue. */
  async *iterate(options: EventReceiverOptions = {}): AsyncGenerator<CeleryEvent> {
    const buffered: CeleryEvent[] = [];
    let wake: (() => void) | undefined;
    const subscription = await this.subscribe((event) => {
      buffered.push(event);
      wake?.();
    }, options);
    // An object, so the compiler does not take the flag for always false across the awaits.
    const state = { ended: false };
    void subscription.ended.then(() => {
      state.ended = true;
      wake?.();
    });
    try {
      for (;;) {
        const event = buffered.shift();
        if (event) {
          yield event;
          continue;
        }
        if (state.ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      await subscription.close();
    }
  }

  private async subscribe(
    onEvent: (event: CeleryEvent) => void,
    options: EventReceiverOptions,
  ): Promise<EventSubscription> {
    const connection = this.runtime.connections.get('consume');
    await connection.waitForConnect(this.options.connectTimeoutMs);
    const model = connection.current;
    if (!model) throw new IllegalStateError('Not connected to the broker; try again');
    return receiveEvents(model, onEvent, options);
  }
}
