import { arch, release, type as osType } from 'node:os';
import { redactUrl } from '../errors/redact-url.js';
import type { ResolvedQueue, ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { SOFTWARE } from '../events/worker-heartbeat.js';
import type { ControlledWorker } from './controlled-worker.js';

/**
 * The replies of the inspect commands whose shape is more than a list, in the shape Celery 5.2's worker
 * gives them, so `celery inspect stats|registered|active_queues|conf|report` print them as they print a
 * Python worker's.
 */

/** `registered`: sorted names, with ` [rate_limit=10/s]` after a task that has one, as Celery lists them. */
export function registeredReply(worker: ControlledWorker): string[] {
  return [...worker.registered()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, ratePerSecond }) =>
      ratePerSecond === null ? name : `${name} [rate_limit=${formatRate(ratePerSecond)}]`,
    );
}

/** A rate in tasks per second as Celery writes one: `10/s`, or `/m`, `/h` for slower ones. */
export function formatRate(perSecond: number): string {
  if (Number.isInteger(perSecond)) return `${perSecond}/s`;
  const perMinute = perSecond * 60;
  if (Math.abs(perMinute - Math.round(perMinute)) < 1e-9) return `${Math.round(perMinute)}/m`;
  return `${Math.round(perSecond * 3600)}/h`;
}

/** `stats`: Celery's keys; `pool` and `rusage` describe this Node process. */
export function statsReply(worker: ControlledWorker): Record<string, unknown> {
  const usage = process.resourceUsage();
  return {
    total: Object.fromEntries(worker.totals()),
    pid: process.pid,
    // Celery sends the clock as a string here (and as a number in `clock`).
    clock: String(worker.clock()),
    uptime: Math.floor((Date.now() - worker.startedAt) / 1000),
    pool: {
      'max-concurrency': worker.concurrency(),
      processes: [process.pid],
      'max-tasks-per-child': null,
      'put-guarded-by-semaphore': false,
      timeouts: [],
      implementation: 'celeriac:async',
    },
    broker: brokerInfo(worker.options),
    prefetch_count: worker.options.worker.prefetch,
    rusage: {
      utime: usage.userCPUTime / 1e6,
      stime: usage.systemCPUTime / 1e6,
      maxrss: usage.maxRSS,
      ixrss: usage.sharedMemorySize,
      idrss: usage.unsharedDataSize,
      isrss: usage.unsharedStackSize,
      minflt: usage.minorPageFault,
      majflt: usage.majorPageFault,
      nswap: usage.swappedOut,
      inblock: usage.fsRead,
      oublock: usage.fsWrite,
      msgsnd: usage.ipcSent,
      msgrcv: usage.ipcReceived,
      nsignals: usage.signalsCount,
      nvcsw: usage.voluntaryContextSwitches,
      nivcsw: usage.involuntaryContextSwitches,
    },
  };
}

/** The first broker URL as kombu describes its connection, without the password. */
function brokerInfo(options: ResolvedTaskQueueOptions): Record<string, unknown> {
  const raw = options.urls[0] ?? '';
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  const vhost = url ? decodeURIComponent(url.pathname.slice(1)) || '/' : '/';
  return {
    hostname: url?.hostname ?? null,
    userid: url ? decodeURIComponent(url.username) || 'guest' : null,
    virtual_host: vhost,
    port: url?.port ? Number(url.port) : url?.protocol === 'amqps:' ? 5671 : 5672,
    insist: false,
    ssl: url?.protocol === 'amqps:',
    transport: 'amqp',
    connect_timeout: options.connectTimeoutMs / 1000,
    transport_options: {},
    login_method: 'PLAIN',
    uri_prefix: null,
    heartbeat: options.heartbeatSeconds,
    failover_strategy: 'round-robin',
    alternates: options.urls.slice(1).map((alternate) => redactUrl(alternate)),
  };
}

/** A queue as kombu's `Queue.as_dict(recurse=True)`, the entries of `active_queues`. */
export function queueInfo(queue: ResolvedQueue): Record<string, unknown> {
  const args = queue.arguments;
  const hasArgs = Object.keys(args).length > 0;
  const arg = (key: string): unknown => args[key] ?? null;
  return {
    name: queue.name,
    exchange: {
      name: queue.exchange,
      type: queue.exchangeType,
      arguments: null,
      durable: true,
      passive: false,
      auto_delete: false,
      delivery_mode: null,
      no_declare: false,
    },
    routing_key: queue.bindingKeys[0] ?? queue.name,
    queue_arguments: hasArgs ? { ...args } : null,
    binding_arguments: null,
    consumer_arguments: null,
    durable: true,
    exclusive: false,
    auto_delete: false,
    no_ack: false,
    alias: null,
    bindings: [],
    no_declare: null,
    expires: arg('x-expires'),
    message_ttl: arg('x-message-ttl'),
    max_length: arg('x-max-length'),
    max_length_bytes: arg('x-max-length-bytes'),
    max_priority: arg('x-max-priority'),
  };
}

/** `conf`: the options in Celery's setting names where there is one, the password hidden. */
export function confReply(options: ResolvedTaskQueueOptions): Record<string, unknown> {
  return {
    broker_url: redactUrl(options.urls[0] ?? ''),
    result_backend: 'rpc://',
    task_serializer: 'json',
    result_serializer: 'json',
    accept_content: ['json'],
    task_default_queue: options.defaultQueue,
    task_create_missing_queues: options.createMissingQueues,
    task_acks_late: true,
    task_protocol: 2,
    enable_utc: true,
    timezone: 'UTC',
    worker_concurrency: options.worker.concurrency,
    worker_prefetch_count: options.worker.prefetch,
    worker_send_task_events: options.events.taskEvents,
    task_send_sent_event: options.events.taskSent,
    broker_heartbeat: options.heartbeatSeconds,
    worker_queues: [...options.worker.queues],
  };
}

/** `report`: what Celery's bug report shows, for Celeriac on Node. */
export function reportReply(options: ResolvedTaskQueueOptions): { ok: string } {
  const settings = Object.entries(confReply(options))
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
  return {
    ok:
      `\nsoftware -> ${SOFTWARE.ident}:${SOFTWARE.version} node:${process.versions.node}\n` +
      `platform -> system:${osType()} arch:${arch()} kernel version:${release()}\n` +
      `settings -> transport:amqp results:rpc://\n\n${settings}\n`,
  };
}
