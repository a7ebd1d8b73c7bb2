import {
  celeryQueue,
  deadLetterQueueName,
  MAX_NAME_BYTES,
  QUEUE_ARGUMENTS,
} from './queue-declarations.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { checkExchangeName, checkQueueName, checkRoutingKey } from './amqp-names.js';
import { describeValue } from '../errors/describe-value.js';
import { FrozenMap } from './frozen-map.js';
import { checkKnownKeys } from './known-keys.js';
import { checkArray, checkPlainObject, isArray, isPlainObject } from './option-checks.js';
import {
  type ExchangeType,
  type QueueOptions,
  type QueueType,
  type ResolvedQueue,
  TASK_QUEUE_DEFAULTS,
} from './task-queue-options.js';

const QUEUE_KEYS = {
  name: true,
  exchange: true,
  exchangeType: true,
  bindingKeys: true,
  type: true,
  arguments: true,
} as const satisfies Record<keyof QueueOptions, true>;

const EXCHANGE_TYPES: readonly ExchangeType[] = ['direct', 'topic', 'fanout'];
const QUEUE_TYPES: readonly QueueType[] = ['classic', 'quorum'];

/** The built-in exchanges one may bind to, and their types; other `amq.` exchanges cannot be declared. */
const BUILT_IN_EXCHANGES: ReadonlyMap<string, ExchangeType> = new Map([
  ['amq.direct', 'direct'],
  ['amq.topic', 'topic'],
  ['amq.fanout', 'fanout'],
]);

/** Queue arguments are AMQP tables; deeper nesting than this is a mistake (or a cycle). */
const MAX_ARGUMENT_DEPTH = 8;

/** A queue on its way into the resolved options, with what error messages call it. */
export interface QueueEntry {
  readonly queue: ResolvedQueue;
  /** The field an error about this queue's exchange points at. */
  readonly field: string;
  /** How a message about another queue refers to this one. */
  readonly label: string;
}

/**
 * Collects the queues that routes or the worker name without configuring them. Each joins the table as
 * Celery's missing queue ({@link celeryQueue}), so that clients declare it before publishing and workers
 * before consuming, as Celery does; with `createMissingQueues` off, naming one is an error.
 *
 * @param isConfigured - whether a queue of that name is configured already
 */
export function missingQueueCollector(
  isConfigured: (queue: string) => boolean,
  createMissingQueues: boolean,
): {
  readonly missing: readonly QueueEntry[];
  readonly useQueue: (queue: string, field: string) => void;
} {
  const missing: QueueEntry[] = [];
  const useQueue = (queue: string, field: string): void => {
    if (isConfigured(queue) || missing.some((e) => e.queue.name === queue)) return;
    if (!createMissingQueues) {
      throw new InvalidOptionsError(
        field,
        `names a queue that is not configured; add it to "queues" or enable "createMissingQueues", got ${describeValue(queue)}`,
      );
    }
    missing.push({
      queue: celeryQueue(queue),
      field,
      label: `the missing queue ${describeValue(queue)} (${field})`,
    });
  };
  return { missing, useQueue };
}

/**
 * Checks the `queues` option and returns the configured queues, the default queue first. The default queue
 * is added as Celery declares it ({@link celeryQueue}) unless the user configured it.
 *
 * @param value - `queues` after its default was applied
 * @throws InvalidOptionsError naming the field, e.g. `queues[1].exchangeType`
 */
export function resolveConfiguredQueues(value: unknown, defaultQueue: string): QueueEntry[] {
  const entries = checkArray('queues', value, 'an array of queue options').map(
    (entry, i): QueueEntry => {
      const field = `queues[${i}]`;
      return { queue: resolveQueue(field, entry), field: `${field}.exchangeType`, label: field };
    },
  );
  entries.forEach(({ queue, label }, i) => {
    const first = entries.findIndex((e) => e.queue.name === queue.name);
    if (first !== i) {
      throw new InvalidOptionsError(
        `${label}.name`,
        `duplicates queues[${first}].name, got ${describeValue(queue.name)}`,
      );
    }
  });
  if (entries.some((e) => e.queue.name === defaultQueue)) return entries;
  const celery = celeryQueue(defaultQueue);
  return [
    {
      queue: celery,
      field: 'defaultQueue',
      label: `the default queue ${describeValue(defaultQueue)}`,
    },
    ...entries,
  ];
}

/**
 * Checks that queues sharing an exchange agree on its type (RabbitMQ refuses to redeclare an exchange with
 * another type: 406), and returns the queues by name, in order, frozen.
 *
 * @throws InvalidOptionsError naming the field of the later queue
 */
export function queueTable(entries: readonly QueueEntry[]): ReadonlyMap<string, ResolvedQueue> {
  const owners = new Map<string, QueueEntry>();
  for (const entry of entries) {
    const { exchange, exchangeType } = entry.queue;
    if (exchange === '') continue;
    const owner = owners.get(exchange);
    if (owner === undefined) {
      owners.set(exchange, entry);
    } else if (owner.queue.exchangeType !== exchangeType) {
      throw new InvalidOptionsError(
        entry.field,
        `declares exchange ${describeValue(exchange)} as ${describeValue(exchangeType)}, but ${owner.label} declares it as ${describeValue(owner.queue.exchangeType)}`,
      );
    }
  }
  return new FrozenMap(entries.map((e) => [e.queue.name, e.queue] as const));
}

function resolveQueue(field: string, entry: unknown): ResolvedQueue {
  const input = checkPlainObject(field, entry, 'a queue options object');
  checkKnownKeys(field, input, Object.keys(QUEUE_KEYS));
  const name = checkQueueName(`${field}.name`, input['name']);

  const exchangeType = input['exchangeType'] ?? TASK_QUEUE_DEFAULTS.exchangeType;
  if (!isOneOf(EXCHANGE_TYPES, exchangeType)) {
    throw new InvalidOptionsError(
      `${field}.exchangeType`,
      `must be one of ${EXCHANGE_TYPES.join(', ')}, got ${describeValue(exchangeType)}`,
    );
  }
  const exchange = checkExchangeName(`${field}.exchange`, input['exchange'] ?? name);
  checkExchangeFits(field, exchange, exchangeType);

  const bindingKeys = checkArray(
    `${field}.bindingKeys`,
    input['bindingKeys'] ?? [name],
    'an array of binding keys',
  ).map((key, i) => checkRoutingKey(`${field}.bindingKeys[${i}]`, key));
  const duplicate = bindingKeys.findIndex((key, i) => bindingKeys.indexOf(key) !== i);
  if (duplicate !== -1) {
    throw new InvalidOptionsError(
      `${field}.bindingKeys[${duplicate}]`,
      `is listed twice, got ${describeValue(bindingKeys[duplicate])}`,
    );
  }

  const type = input['type'] ?? TASK_QUEUE_DEFAULTS.queueType;
  if (!isOneOf(QUEUE_TYPES, type)) {
    throw new InvalidOptionsError(
      `${field}.type`,
      `must be one of ${QUEUE_TYPES.join(', ')}, got ${describeValue(type)}`,
    );
  }
  const args = resolveArguments(`${field}.arguments`, input['arguments'] ?? {});
  checkArgumentsFitType(field, name, type, args);

  return Object.freeze({
    name,
    exchange,
    exchangeType,
    bindingKeys: Object.freeze(bindingKeys),
    type,
    arguments: args,
  });
}

/** The default exchange is a direct one, and `amq.` exchanges must be built-ins of the same type. */
function checkExchangeFits(field: string, exchange: string, type: ExchangeType): void {
  const expected = exchange === '' ? 'direct' : BUILT_IN_EXCHANGES.get(exchange);
  if (expected === undefined && exchange.startsWith('amq.')) {
    throw new InvalidOptionsError(
      `${field}.exchange`,
      `must not start with "amq." unless it is one of RabbitMQ's built-in ${[...BUILT_IN_EXCHANGES.keys()].join(', ')}, got ${describeValue(exchange)}`,
    );
  }
  if (expected !== undefined && expected !== type) {
    throw new InvalidOptionsError(
      `${field}.exchangeType`,
      `must be "${expected}" for exchange ${describeValue(exchange)}, got ${describeValue(type)}`,
    );
  }
}

/** Returns a frozen deep copy: the result is frozen, and freezing the user's own object would mutate it. */
function resolveArguments(field: string, value: unknown): Readonly<Record<string, unknown>> {
  const args = checkPlainObject(field, value, 'a plain object of queue arguments');
  return copyTable(field, args, 0);
}

function copyTable(
  field: string,
  table: Readonly<Record<string, unknown>>,
  depth: number,
): Readonly<Record<string, unknown>> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    copy[key] = copyArgument(`${field}[${JSON.stringify(key)}]`, value, depth + 1);
  }
  return Object.freeze(copy);
}

function copyArgument(field: string, value: unknown, depth: number): unknown {
  if (depth > MAX_ARGUMENT_DEPTH) {
    throw new InvalidOptionsError(field, `is nested more than ${MAX_ARGUMENT_DEPTH} levels deep`);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (isArray(value)) {
    return Object.freeze(value.map((item, i) => copyArgument(`${field}[${i}]`, item, depth + 1)));
  }
  if (isPlainObject(value)) return copyTable(field, value, depth);
  throw new InvalidOptionsError(
    field,
    `must be a string, a finite number, a boolean, an array or a plain object, got ${describeValue(value)}`,
  );
}

function checkArgumentsFitType(
  field: string,
  name: string,
  type: QueueType,
  args: Readonly<Record<string, unknown>>,
): void {
  const declaredType = args[QUEUE_ARGUMENTS.queueType];
  if (declaredType !== undefined && declaredType !== type) {
    throw new InvalidOptionsError(
      `${field}.arguments["${QUEUE_ARGUMENTS.queueType}"]`,
      `disagrees with ${field}.type (${describeValue(type)}); set "type" instead, got ${describeValue(declaredType)}`,
    );
  }
  if (type !== 'quorum') return;
  if (QUEUE_ARGUMENTS.maxPriority in args) {
    throw new InvalidOptionsError(
      `${field}.arguments["${QUEUE_ARGUMENTS.maxPriority}"]`,
      `is not supported by quorum queues (RabbitMQ refuses the declaration), got ${describeValue(args[QUEUE_ARGUMENTS.maxPriority])}`,
    );
  }
  const deadLetterBytes = Buffer.byteLength(deadLetterQueueName(name), 'utf8');
  if (deadLetterBytes > MAX_NAME_BYTES) {
    throw new InvalidOptionsError(
      `${field}.name`,
      `is too long for a quorum queue: its dead-letter queue name must fit in ${MAX_NAME_BYTES} bytes too, got ${describeValue(deadLetterQueueName(name))} (${deadLetterBytes} bytes)`,
    );
  }
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return values.some((v) => v === value);
}
