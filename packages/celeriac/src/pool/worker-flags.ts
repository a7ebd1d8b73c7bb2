import { hostname as osHostname } from 'node:os';
import { parseArgs } from 'node:util';
import { errorMessage } from '../errors/error-text.js';
import { WorkerUsageError } from '../errors/worker-usage.error.js';
import { checkQueueName } from '../options/amqp-names.js';
import { MAX_TIMER_MS } from '../options/resolve-worker.js';
import type { WorkerOptions } from '../options/task-queue-options.js';

/**
 * How a worker runs its tasks (`-P`).
 * - `async`: one process; up to `concurrency` tasks interleave on its event loop (the default; Celery's
 *   closest is its gevent/eventlet pools). Right for I/O-bound tasks.
 * - `solo`: one process, one task at a time (Celery's `solo`).
 * - `processes`: a supervisor and `concurrency` worker processes, each running one task at a time
 *   (Celery's `prefork`, which is also accepted as a name). Right for CPU-bound tasks.
 */
export type WorkerPoolKind = 'async' | 'solo' | 'processes';

/** The worker command line, parsed and checked. `null` means "not given": the module's option applies. */
export interface WorkerFlags {
  /** `-h`/`--help`: print {@link WORKER_FLAGS_HELP} and run nothing. */
  readonly help: boolean;
  /** `-P`/`--pool` @defaultValue `'async'` */
  readonly pool: WorkerPoolKind;
  /** `-c`/`--concurrency`: tasks at once in the process (`async`), or processes (`processes`). */
  readonly concurrency: number | null;
  /** `-Q`/`--queues`, comma-separated and repeatable. */
  readonly queues: readonly string[] | null;
  /** `--prefetch`: unacked deliveries per queue consumer (in each process). */
  readonly prefetch: number | null;
  /** `--max-tasks-per-child` (`processes` only). */
  readonly maxTasksPerChild: number | null;
  /** `--max-memory-per-child`, in KiB as in Celery (`processes` only). */
  readonly maxMemoryPerChildKiB: number | null;
  /** `-n`/`--hostname`, with `%h`, `%n`, `%d` and `%%` expanded. */
  readonly nodeName: string | null;
  /** `--shutdown-grace-ms` */
  readonly shutdownGraceMs: number | null;
  /** `-B`/`--beat`: run the beat in this worker too (Celery's `-B`). */
  readonly beat: boolean;
  /** `-E`/`--task-events`: send task events (Celery's `-E`). */
  readonly taskEvents: boolean;
  /**
   * `--metrics-port`: serve Prometheus metrics at `/metrics` on this port. With `--pool processes` the
   * supervisor serves the pool's metrics on it and child slot N (from 1) its own on port + N.
   */
  readonly metricsPort: number | null;
}

/** Where the worker runs, for `-n` expansions. */
export interface WorkerFlagsEnvironment {
  readonly hostname: string;
}

/** Same bound as the `worker.concurrency` option. */
const MAX_CONCURRENCY = 10_000;
/** A sanity bound on worker processes per supervisor. */
const MAX_PROCESSES = 1_024;
/** `basic.qos` takes the prefetch count as an unsigned short. */
const MAX_PREFETCH = 65_535;
const MAX_PORT = 65_535;

const POOL_NAMES: Readonly<Record<string, WorkerPoolKind>> = {
  async: 'async',
  solo: 'solo',
  processes: 'processes',
  prefork: 'processes',
};

// Every value flag is `multiple`, so that a flag given twice is an error rather than last-one-wins.
const OPTIONS = {
  queues: { type: 'string', short: 'Q', multiple: true },
  concurrency: { type: 'string', short: 'c', multiple: true },
  pool: { type: 'string', short: 'P', multiple: true },
  prefetch: { type: 'string', multiple: true },
  'max-tasks-per-child': { type: 'string', multiple: true },
  'max-memory-per-child': { type: 'string', multiple: true },
  hostname: { type: 'string', short: 'n', multiple: true },
  'shutdown-grace-ms': { type: 'string', multiple: true },
  beat: { type: 'boolean', short: 'B' },
  'task-events': { type: 'boolean', short: 'E' },
  'metrics-port': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `--help` prints. */
export const WORKER_FLAGS_HELP = `Usage: node <worker entry> [flags]

Runs a Celeriac worker. Flags win over the worker options given to TaskQueueModule.forRoot().

  -Q, --queues <a,b>               queues to consume, comma-separated (may be repeated)
  -c, --concurrency <n>            with --pool async: tasks running at once in the process
                                   (default: worker.concurrency, 10)
                                   with --pool processes: worker processes (default: CPU count)
  -P, --pool <async|solo|processes>
                                   async (default): one process, tasks interleave on its event loop
                                   solo: one process, one task at a time
                                   processes (or prefork): a supervisor and <concurrency> worker
                                   processes that run one task at a time each
      --prefetch <n>               unacked deliveries per queue consumer, in each process
                                   (default: the in-process concurrency)
      --max-tasks-per-child <n>    processes only: replace a process after it ran n tasks
      --max-memory-per-child <KiB> processes only: replace a process whose resident memory is
                                   above this after a task
  -n, --hostname <name>            node name (default celeriac@%h); %h is the host name,
                                   %n the host name without its domain, %d the domain
      --shutdown-grace-ms <ms>     how long a warm shutdown (SIGTERM) lets running tasks finish
                                   (default: worker.shutdownGraceMs, 10000)
  -B, --beat                       also run the beat (periodic tasks); any number of workers may,
                                   they elect one leader that sends the ticks
  -E, --task-events                send task events (task-received, -started, -succeeded, ...)
                                   for celery events, Flower and celeriac events
      --metrics-port <port>        serve Prometheus metrics at http://<host>:<port>/metrics
                                   (9464 by convention; needs prom-client); with --pool processes
                                   the supervisor uses <port> and child N <port>+N
  -h, --help                       print this help

Examples:
  node dist/apps/worker/apps/worker/src/main.js -Q celery,hipri -c 50
  node dist/apps/worker/apps/worker/src/main.js -P processes -c 4 --max-tasks-per-child 1000
  node dist/apps/worker/apps/worker/src/main.js -E
`;

/**
 * Parses Celery-like worker flags (`-Q a,b -c 4 -P processes`), with `node:util`'s `parseArgs`. Pure
 * apart from reading the host name when `-n` uses `%h`, `%n` or `%d` and `env` is not given.
 *
 * @throws WorkerUsageError for an unknown flag, a bad value, a flag given twice or flags that do not go
 *   together; the message names the flag
 */
export function parseWorkerFlags(
  argv: readonly string[],
  env?: WorkerFlagsEnvironment,
): WorkerFlags {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (err: unknown) {
    // parseArgs's own messages name the flag ("Unknown option '--foo'"); they lack only the final period.
    throw new WorkerUsageError(`${errorMessage(err)}.`, { cause: err });
  }
  const help = values.help === true;
  const poolName = single('-P/--pool', values.pool);
  const pool = poolName === null ? 'async' : POOL_NAMES[poolName];
  if (pool === undefined) {
    throw new WorkerUsageError(
      `-P/--pool must be async, solo or processes, got ${JSON.stringify(poolName)}.`,
    );
  }
  const concurrency = integer(
    '-c/--concurrency',
    values.concurrency,
    1,
    pool === 'processes' ? MAX_PROCESSES : MAX_CONCURRENCY,
  );
  if (pool === 'solo' && concurrency !== null) {
    throw new WorkerUsageError(
      '-c/--concurrency does not go with --pool solo, which runs one task at a time: drop it, or use ' +
        '--pool async or --pool processes.',
    );
  }
  const maxTasksPerChild = integer(
    '--max-tasks-per-child',
    values['max-tasks-per-child'],
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const maxMemoryPerChildKiB = integer(
    '--max-memory-per-child',
    values['max-memory-per-child'],
    1,
    Number.MAX_SAFE_INTEGER,
  );
  if (pool !== 'processes') {
    const given = [
      maxTasksPerChild !== null ? '--max-tasks-per-child' : null,
      maxMemoryPerChildKiB !== null ? '--max-memory-per-child' : null,
    ].filter((flag) => flag !== null);
    if (given.length > 0) {
      throw new WorkerUsageError(
        `${given.join(' and ')} ${given.length === 1 ? 'needs' : 'need'} --pool processes: only a child process can be replaced.`,
      );
    }
  }
  const hostname = single('-n/--hostname', values.hostname);
  if (hostname === '') throw new WorkerUsageError('-n/--hostname must not be empty.');
  return {
    help,
    pool,
    concurrency,
    queues: queueList(values.queues),
    prefetch: integer('--prefetch', values.prefetch, 1, MAX_PREFETCH),
    maxTasksPerChild,
    maxMemoryPerChildKiB,
    nodeName:
      hostname === null ? null : expandNodeName(hostname, env ?? { hostname: osHostname() }),
    shutdownGraceMs: integer('--shutdown-grace-ms', values['shutdown-grace-ms'], 0, MAX_TIMER_MS),
    beat: values.beat === true,
    taskEvents: values['task-events'] === true,
    metricsPort: integer('--metrics-port', values['metrics-port'], 0, MAX_PORT),
  };
}

/**
 * The worker options the flags override, for one process. A child of `--pool processes` and a `solo`
 * worker run one task at a time; `-c` there counts processes, not tasks. They also drop the module's
 * `queueLimits`: a queue's own lane would let it run tasks beside the one running already.
 *
 * @param role - `'child'` in a child process of `--pool processes`, else `'worker'`
 */
export function workerOverrides(flags: WorkerFlags, role: 'worker' | 'child'): WorkerOptions {
  const oneAtATime = flags.pool === 'solo' || role === 'child';
  const concurrency = oneAtATime ? 1 : flags.concurrency;
  return {
    ...(flags.queues !== null ? { queues: flags.queues } : {}),
    ...(concurrency !== null ? { concurrency } : {}),
    ...(oneAtATime ? { queueLimits: {} } : {}),
    ...(flags.prefetch !== null ? { prefetch: flags.prefetch } : {}),
    ...(flags.nodeName !== null ? { nodeName: flags.nodeName } : {}),
    ...(flags.shutdownGraceMs !== null ? { shutdownGraceMs: flags.shutdownGraceMs } : {}),
    // Without -B the module's `worker.beat` decides; each child of --pool processes is then a replica.
    ...(flags.beat ? { beat: true } : {}),
    // A child's port depends on its slot: runWorker sets it.
    ...(flags.metricsPort !== null && role === 'worker' ? { metricsPort: flags.metricsPort } : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
}

/** The one value of a flag, or null; a flag given twice is an error rather than last-one-wins. */
function single(flag: string, values: readonly string[] | undefined): string | null {
  if (values === undefined || values.length === 0) return null;
  if (values.length > 1) {
    throw new WorkerUsageError(`${flag} is given ${values.length} times; give it once.`);
  }
  return values[0] ?? null;
}

function integer(
  flag: string,
  values: readonly string[] | undefined,
  min: number,
  max: number,
): number | null {
  const text = single(flag, values);
  if (text === null) return null;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WorkerUsageError(
      `${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

/** `-Q a,b -Q c` → `['a', 'b', 'c']`, each a valid queue name, none twice. */
function queueList(values: readonly string[] | undefined): readonly string[] | null {
  if (values === undefined) return null;
  const queues = values.flatMap((value) => value.split(',')).map((name) => name.trim());
  for (const [i, name] of queues.entries()) {
    if (name === '') {
      throw new WorkerUsageError(
        `-Q/--queues has an empty queue name in ${JSON.stringify(values.join(','))}.`,
      );
    }
    try {
      checkQueueName('-Q/--queues', name);
    } catch (err: unknown) {
      // 'Invalid Celeriac option "-Q/--queues": must not start with "amq.", ...'
      throw new WorkerUsageError(`${errorMessage(err)}.`, { cause: err });
    }
    if (queues.indexOf(name) !== i) {
      throw new WorkerUsageError(`-Q/--queues names ${JSON.stringify(name)} twice.`);
    }
  }
  return Object.freeze(queues);
}

/** Celery's `-n` expansions: `%h` host name, `%n` host name without domain, `%d` domain, `%%` a `%`. */
function expandNodeName(template: string, env: WorkerFlagsEnvironment): string {
  const dot = env.hostname.indexOf('.');
  const name = dot === -1 ? env.hostname : env.hostname.slice(0, dot);
  const domain = dot === -1 ? '' : env.hostname.slice(dot + 1);
  return template.replace(/%([hnd%])/g, (_, key: string) => {
    if (key === 'h') return env.hostname;
    if (key === 'n') return name;
    if (key === 'd') return domain;
    return '%';
  });
}
