import { celeryQueue, DEFAULT_EXCHANGE } from '../options/queue-declarations.js';
import { UnknownQueueError } from '../errors/unknown-queue.error.js';
import { checkQueueName } from '../options/amqp-names.js';
import type {
  ResolvedQueue,
  ResolvedRoute,
  ResolvedTaskQueueOptions,
  RouteTarget,
} from '../options/task-queue-options.js';
import { compileTaskPattern, type TaskMatcher } from '../options/task-pattern.js';

/** The parts of the resolved options a router reads. */
export type RouterOptions = Pick<
  ResolvedTaskQueueOptions,
  'routes' | 'queues' | 'defaultQueue' | 'createMissingQueues'
>;

/**
 * Decides where each task is published. Pure and synchronous: it reads only the resolved options.
 *
 * **Which queue.** Each field of the explicit options (`send(..., { queue, exchange, routingKey })`) wins
 * over the same field of the first matching route, field by field as Celery's `lpmerge` does; with no
 * matching route the queue is `defaultQueue`.
 *
 * **Which address.**
 * - Neither an exchange nor a routing key given: the default exchange `''` with routing key = queue name.
 *   Celery 5.2 does this for direct queues, and it reaches the queue whatever its bindings. (For topic and
 *   fanout queues Celery publishes to their exchange instead; we do not, so other queues bound to that
 *   exchange do not get a copy.)
 * - A routing key without an exchange: the queue's exchange.
 * - An exchange without a routing key: the queue's first binding key, or its name if it has none; for the
 *   default exchange `''`, the queue name (that is how `''` routes).
 * - Both an exchange and a routing key, and no queue: published as given, `queue: null`; the broker's
 *   bindings decide where it lands.
 *
 * **Unconfigured queues.** With `createMissingQueues`, the route carries `declare`: the queue shaped as
 * Celery's missing queue (direct exchange and routing key named after it, classic, durable, no arguments).
 */
export interface TaskRouter {
  /**
   * Where to publish `taskName`.
   * @throws UnknownQueueError when the queue is not configured and `createMissingQueues` is off
   * @throws InvalidOptionsError when a queue to create has a name RabbitMQ refuses (empty, `amq.`, > 255 bytes)
   */
  route(taskName: string, explicit?: RouteTarget): ResolvedRoute;
  /**
   * The queue named `name`: configured, or, with `createMissingQueues`, shaped as Celery's missing queue.
   * @throws UnknownQueueError when it is not configured and `createMissingQueues` is off
   */
  queue(name: string): ResolvedQueue;
}

/** Builds a {@link TaskRouter}, compiling the route globs once. */
export function createTaskRouter(options: RouterOptions): TaskRouter {
  return new CompiledTaskRouter(options);
}

interface CompiledRoute {
  readonly matches: TaskMatcher;
  readonly target: RouteTarget;
}

const NO_TARGET: RouteTarget = Object.freeze({});

class CompiledTaskRouter implements TaskRouter {
  readonly #routes: readonly CompiledRoute[];

  constructor(private readonly options: RouterOptions) {
    this.#routes = options.routes.map(([pattern, target]) => ({
      matches: compileTaskPattern(pattern),
      target,
    }));
  }

  route(taskName: string, explicit: RouteTarget = NO_TARGET): ResolvedRoute {
    const matched = this.#routes.find((r) => r.matches(taskName))?.target ?? NO_TARGET;
    const queueName = explicit.queue ?? matched.queue;
    const exchange = explicit.exchange ?? matched.exchange;
    const routingKey = explicit.routingKey ?? matched.routingKey;

    if (queueName === undefined && exchange !== undefined && routingKey !== undefined) {
      return Object.freeze({ queue: null, exchange, routingKey, declare: null });
    }
    const name = queueName ?? this.options.defaultQueue;
    const configured = this.options.queues.get(name);
    const queue = configured ?? this.queue(name);
    const declare = configured === undefined ? queue : null;

    if (exchange === undefined) {
      return routingKey === undefined
        ? Object.freeze({ queue: name, exchange: DEFAULT_EXCHANGE, routingKey: name, declare })
        : Object.freeze({ queue: name, exchange: queue.exchange, routingKey, declare });
    }
    const key =
      routingKey ?? (exchange === DEFAULT_EXCHANGE ? name : (queue.bindingKeys[0] ?? name));
    return Object.freeze({ queue: name, exchange, routingKey: key, declare });
  }

  queue(name: string): ResolvedQueue {
    const configured = this.options.queues.get(name);
    if (configured !== undefined) return configured;
    if (!this.options.createMissingQueues) throw new UnknownQueueError(name);
    return celeryQueue(checkQueueName('queue', name));
  }
}
