import { hostname as osHostname } from 'node:os';

import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { checkQueueName } from './amqp-names.js';
import { describeValue } from '../errors/describe-value.js';
import { checkKnownKeys } from './known-keys.js';
import { checkBoolean, checkInteger, isArray } from './option-checks.js';
import { missingQueueCollector, queueTable, resolveConfiguredQueues } from './resolve-queues.js';
import { resolveBeatOptions } from './resolve-beat.js';
import { resolveResults } from './resolve-results.js';
import { resolveEvents } from './resolve-events.js';
import { resolveRevocation } from './resolve-revocation.js';
import { resolveRoutes } from './resolve-routes.js';
import { resolveUrls } from './resolve-urls.js';
import { resolveTls } from './tls-options.js';
import { MAX_TIMER_MS, resolveWorker } from './resolve-worker.js';
import {
  type ResolvedTaskQueueOptions,
  TASK_QUEUE_DEFAULTS,
  type TaskQueueOptions,
} from './task-queue-options.js';

const OPTION_KEYS = {
  url: true,
  tls: true,
  heartbeatSeconds: true,
  reconnectDelayMs: true,
  connectTimeoutMs: true,
  defaultQueue: true,
  queues: true,
  routes: true,
  createMissingQueues: true,
  publishTimeoutMs: true,
  maxPendingPublishes: true,
  maxPayloadBytes: true,
  taskHeaders: true,
  delayedDelivery: true,
  delayPrefix: true,
  brokerConsumerTimeoutMs: true,
  resultBackend: true,
  resultExpires: true,
  resultExtended: true,
  maxTrackedResults: true,
  resultTimeoutMs: true,
  revocation: true,
  events: true,
  worker: true,
  beat: true,
} as const satisfies Record<keyof TaskQueueOptions, true>;

/** The AMQP heartbeat is negotiated as an unsigned short. */
const MAX_HEARTBEAT_SECONDS = 65_535;
/** A sanity ceiling: each pending publish holds its message in memory. */
const MAX_PENDING_PUBLISHES = 10_000_000;
/** RabbitMQ's own ceiling for `max_message_size`. */
const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

/** Where the process runs, for the default worker node name. */
export interface ResolveEnvironment {
  readonly hostname: string;
}

/**
 * Applies the defaults of {@link TASK_QUEUE_DEFAULTS} to the module options and checks them, so a bad
 * configuration fails at boot rather than on the first message. This is the only place defaults are applied.
 *
 * Pure: `input` is neither changed nor frozen; the result shares nothing with it and is frozen all the way
 * down (its queue map included). `resolved.urls` keep their passwords for the connection: pass them through
 * `redactUrl()` before logging them.
 *
 * @param env - where the process runs; `hostname` defaults to `os.hostname()`, read only when
 *   `worker.nodeName` is not given
 * @throws InvalidOptionsError naming the first bad field (e.g. `queues[1].exchangeType`) and the value it got
 */
export function resolveOptions(
  input: TaskQueueOptions,
  env?: ResolveEnvironment,
): ResolvedTaskQueueOptions {
  // Options often come from JSON or environment variables, so types are checked at run time too.
  const raw: unknown = input;
  if (typeof raw !== 'object' || raw === null || isArray(raw)) {
    throw new InvalidOptionsError('options', `must be an object, got ${describeValue(raw)}`);
  }
  checkKnownKeys('', raw, Object.keys(OPTION_KEYS));

  const urls = resolveUrls(input.url ?? TASK_QUEUE_DEFAULTS.url);
  const tls = resolveTls(input.tls, urls);
  const heartbeatSeconds = checkInteger(
    'heartbeatSeconds',
    input.heartbeatSeconds ?? TASK_QUEUE_DEFAULTS.heartbeatSeconds,
    1,
    MAX_HEARTBEAT_SECONDS,
  );
  const reconnectDelayMs = checkInteger(
    'reconnectDelayMs',
    input.reconnectDelayMs ?? TASK_QUEUE_DEFAULTS.reconnectDelayMs,
    1,
    MAX_TIMER_MS,
  );
  const connectTimeoutMs = checkInteger(
    'connectTimeoutMs',
    input.connectTimeoutMs ?? TASK_QUEUE_DEFAULTS.connectTimeoutMs,
    1,
    MAX_TIMER_MS,
  );
  const publishTimeoutMs = checkInteger(
    'publishTimeoutMs',
    input.publishTimeoutMs ?? TASK_QUEUE_DEFAULTS.publishTimeoutMs,
    1,
    MAX_TIMER_MS,
  );
  const maxPendingPublishes = checkInteger(
    'maxPendingPublishes',
    input.maxPendingPublishes ?? TASK_QUEUE_DEFAULTS.maxPendingPublishes,
    1,
    MAX_PENDING_PUBLISHES,
  );
  const maxPayloadBytes = checkInteger(
    'maxPayloadBytes',
    input.maxPayloadBytes ?? TASK_QUEUE_DEFAULTS.maxPayloadBytes,
    1,
    MAX_PAYLOAD_BYTES,
  );
  const createMissingQueues = checkBoolean(
    'createMissingQueues',
    input.createMissingQueues ?? TASK_QUEUE_DEFAULTS.createMissingQueues,
  );

  // Typed as unknown: options often come from environment variables, so the unions are checked at run time.
  const taskHeaders: unknown = input.taskHeaders ?? TASK_QUEUE_DEFAULTS.taskHeaders;
  if (taskHeaders !== 'lean' && taskHeaders !== 'full') {
    throw new InvalidOptionsError(
      'taskHeaders',
      `must be 'lean' or 'full', got ${describeValue(taskHeaders)}`,
    );
  }
  const delayedDelivery: unknown = input.delayedDelivery ?? TASK_QUEUE_DEFAULTS.delayedDelivery;
  if (delayedDelivery !== 'cascade' && delayedDelivery !== 'direct') {
    throw new InvalidOptionsError(
      'delayedDelivery',
      `must be 'cascade' or 'direct', got ${describeValue(delayedDelivery)}`,
    );
  }
  // The cascade's queue names are built from the prefix, so it must make valid queue names.
  const delayPrefix = checkQueueName(
    'delayPrefix',
    input.delayPrefix ?? TASK_QUEUE_DEFAULTS.delayPrefix,
  );

  const brokerConsumerTimeoutMs = checkInteger(
    'brokerConsumerTimeoutMs',
    input.brokerConsumerTimeoutMs ?? TASK_QUEUE_DEFAULTS.brokerConsumerTimeoutMs,
    1,
    Number.MAX_SAFE_INTEGER,
  );

  const defaultQueue = checkQueueName(
    'defaultQueue',
    input.defaultQueue ?? TASK_QUEUE_DEFAULTS.defaultQueue,
  );
  const configured = resolveConfiguredQueues(input.queues ?? [], defaultQueue);
  // Queues that routes or the worker name without configuring them join the table as missing queues.
  const { missing, useQueue } = missingQueueCollector(
    (queue) => configured.some((e) => e.queue.name === queue),
    createMissingQueues,
  );
  const routes = resolveRoutes(input.routes ?? {}, useQueue);
  const worker = resolveWorker(input.worker ?? {}, {
    defaultQueue,
    useQueue,
    hostname: () => env?.hostname ?? osHostname(),
  });
  const queues = queueTable([...configured, ...missing]);
  const revocation = resolveRevocation(input.revocation ?? {});
  const beat = resolveBeatOptions(input.beat ?? {});
  const results = resolveResults(input);
  const events = resolveEvents(input.events ?? {});

  return Object.freeze({
    urls,
    tls,
    heartbeatSeconds,
    reconnectDelayMs,
    connectTimeoutMs,
    defaultQueue,
    queues,
    routes,
    createMissingQueues,
    publishTimeoutMs,
    maxPendingPublishes,
    maxPayloadBytes,
    taskHeaders,
    delayedDelivery,
    delayPrefix,
    brokerConsumerTimeoutMs,
    results,
    revocation,
    events,
    worker,
    beat,
  });
}
