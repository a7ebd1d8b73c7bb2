import { isDeepStrictEqual } from 'node:util';

import type { ExchangeType } from '../src/options/task-queue-options.js';
import type {
  TopologyChannel,
  TopologyExchangeOptions,
  TopologyQueueOptions,
} from '../src/transport/topology.js';

/** One call made on a {@link FakeTopologyChannel}, in order. */
export type TopologyCall =
  | {
      readonly method: 'assertExchange';
      readonly exchange: string;
      readonly type: ExchangeType;
      readonly options: TopologyExchangeOptions;
    }
  | {
      readonly method: 'assertQueue';
      readonly queue: string;
      readonly options: TopologyQueueOptions;
    }
  | {
      readonly method: 'bindQueue';
      readonly queue: string;
      readonly source: string;
      readonly pattern: string;
    };

/** A declared exchange, as the fake broker keeps it. */
export interface FakeExchange {
  readonly type: ExchangeType;
  readonly options: TopologyExchangeOptions;
}

/** A binding, as the fake broker keeps it. */
export interface FakeBinding {
  readonly queue: string;
  readonly source: string;
  readonly pattern: string;
}

/** Rejection of a {@link FakeTopologyChannel} call, shaped like amqplib's channel errors (`code` = AMQP reply code). */
export class FakeChannelError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FakeChannelError';
  }
}

/** The exchanges every RabbitMQ vhost has (those of a type we declare). */
const PREDECLARED: readonly (readonly [string, FakeExchange])[] = [
  ['amq.direct', { type: 'direct', options: { durable: true, autoDelete: false } }],
  ['amq.topic', { type: 'topic', options: { durable: true, autoDelete: false } }],
  ['amq.fanout', { type: 'fanout', options: { durable: true, autoDelete: false } }],
];

/**
 * A {@link TopologyChannel} for unit tests. It records every call in `calls` and keeps what was declared, and
 * it answers as RabbitMQ 3.10 would to the mistakes that matter: redeclaring with other flags or arguments
 * (406), `amq.` names and the default exchange (403), binding what does not exist (404), and a quorum queue
 * that is not durable or has `x-max-priority` (406). As on a real channel, the first error closes it: later
 * calls reject until {@link FakeTopologyChannel.reopen}.
 */
export class FakeTopologyChannel implements TopologyChannel {
  /** Every call, in order, including those that rejected. */
  readonly calls: TopologyCall[] = [];

  readonly #exchanges = new Map<string, FakeExchange>(PREDECLARED);
  readonly #queues = new Map<string, TopologyQueueOptions>();
  readonly #bindings: FakeBinding[] = [];
  readonly #failNext = new Map<TopologyCall['method'], Error>();
  #closedBy: Error | null = null;

  /** Exchanges declared so far, with the built-in `amq.direct`, `amq.topic` and `amq.fanout`. */
  get exchanges(): ReadonlyMap<string, FakeExchange> {
    return this.#exchanges;
  }

  /** Queues declared so far. */
  get queues(): ReadonlyMap<string, TopologyQueueOptions> {
    return this.#queues;
  }

  /** Bindings made so far, each once. */
  get bindings(): readonly FakeBinding[] {
    return this.#bindings;
  }

  /** Makes the next call of `method` reject with `error` (and close the channel), to test error paths. */
  failNext(
    method: TopologyCall['method'],
    error: Error = new FakeChannelError(541, 'INTERNAL_ERROR'),
  ): void {
    this.#failNext.set(method, error);
  }

  /** Opens the channel again after an error, as a reconnect would; what was declared stays, `calls` is cleared. */
  reopen(): void {
    this.#closedBy = null;
    this.calls.length = 0;
  }

  assertExchange(
    exchange: string,
    type: ExchangeType,
    options: TopologyExchangeOptions,
  ): Promise<unknown> {
    this.calls.push({ method: 'assertExchange', exchange, type, options: { ...options } });
    return this.#run('assertExchange', () => {
      if (exchange === '') throw accessRefused('operation not permitted on the default exchange');
      const existing = this.#exchanges.get(exchange);
      if (existing === undefined) {
        if (exchange.startsWith('amq.'))
          throw accessRefused(`exchange name '${exchange}' contains reserved prefix 'amq.*'`);
        this.#exchanges.set(exchange, { type, options: { ...options } });
      } else if (existing.type !== type || !isDeepStrictEqual(existing.options, { ...options })) {
        throw preconditionFailed(`inequivalent arg for exchange '${exchange}'`);
      }
      return { exchange };
    });
  }

  assertQueue(queue: string, options: TopologyQueueOptions): Promise<unknown> {
    const declared: TopologyQueueOptions = { ...options, arguments: { ...options.arguments } };
    this.calls.push({ method: 'assertQueue', queue, options: declared });
    return this.#run('assertQueue', () => {
      if (queue.startsWith('amq.'))
        throw accessRefused(`queue name '${queue}' contains reserved prefix 'amq.*'`);
      const existing = this.#queues.get(queue);
      if (existing === undefined) {
        checkQuorum(queue, declared);
        this.#queues.set(queue, declared);
      } else if (!isDeepStrictEqual(existing, declared)) {
        throw preconditionFailed(`inequivalent arg for queue '${queue}'`);
      }
      return { queue, messageCount: 0, consumerCount: 0 };
    });
  }

  bindQueue(queue: string, source: string, pattern: string): Promise<unknown> {
    this.calls.push({ method: 'bindQueue', queue, source, pattern });
    return this.#run('bindQueue', () => {
      if (source === '') throw accessRefused('operation not permitted on the default exchange');
      if (!this.#exchanges.has(source)) throw notFound(`no exchange '${source}'`);
      if (!this.#queues.has(queue)) throw notFound(`no queue '${queue}'`);
      const known = this.#bindings.some(
        (b) => b.queue === queue && b.source === source && b.pattern === pattern,
      );
      if (!known) this.#bindings.push({ queue, source, pattern });
      return {};
    });
  }

  #run(method: TopologyCall['method'], op: () => unknown): Promise<unknown> {
    if (this.#closedBy !== null) {
      return Promise.reject(
        new FakeChannelError(504, `Channel closed by an earlier error: ${this.#closedBy.message}`),
      );
    }
    const injected = this.#failNext.get(method);
    this.#failNext.delete(method);
    try {
      if (injected !== undefined) throw injected;
      return Promise.resolve(op());
    } catch (err: unknown) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#closedBy = error;
      return Promise.reject(error);
    }
  }
}

/** RabbitMQ's checks on a new quorum queue, those our declarations could trip. */
function checkQuorum(queue: string, options: TopologyQueueOptions): void {
  if (options.arguments['x-queue-type'] !== 'quorum') return;
  if (!options.durable || options.exclusive || options.autoDelete) {
    throw preconditionFailed(
      `invalid property 'non-durable, exclusive or auto-delete' for queue '${queue}'`,
    );
  }
  if ('x-max-priority' in options.arguments) {
    throw preconditionFailed(
      `invalid arg 'x-max-priority' for queue '${queue}' of queue type rabbit_quorum_queue`,
    );
  }
}

function accessRefused(detail: string): FakeChannelError {
  return new FakeChannelError(403, `ACCESS_REFUSED - ${detail}`);
}

function notFound(detail: string): FakeChannelError {
  return new FakeChannelError(404, `NOT_FOUND - ${detail}`);
}

function preconditionFailed(detail: string): FakeChannelError {
  return new FakeChannelError(406, `PRECONDITION_FAILED - ${detail}`);
}
