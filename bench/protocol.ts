/**
 * What the orchestrator (`main.ts`) and its agent processes (`agent.ts`) say to each other over the
 * Node IPC channel. Every timestamp is `now()` (see clock.ts): milliseconds since the epoch, with
 * sub-millisecond precision, comparable across processes on one machine.
 */

/**
 * `raw`: the baseline, plain amqplib sending the same messages Celeriac sends (the Celery protocol 2
 * properties: its header table, correlation id, priority; built by hand per message), so Celeriac ÷ `raw` is
 * what the library itself costs. Every phase runs it.
 * `raw-bare`: the same amqplib code sending the body alone, without protocol headers: a ceiling no
 * client of Celery's protocol reaches. Only the rate phases run it, as a reference.
 * `raw-min`: the same code sending the least a task message can carry (messages.ts); `npm run bench:peers`
 * runs it as the reference for systems that send no task protocol at all.
 */
export type RawImpl = 'raw' | 'raw-bare' | 'raw-min';
export type Impl = RawImpl | CeleriacImpl;
/**
 * `celeriac`: the library with its defaults (worker events on, task events off, as in Celery).
 * `celeriac-events`: the same with task events on (`events.taskEvents`, Celery's `-E`).
 * `celeriac-observed`: the same with its Prometheus metrics and OpenTelemetry tracing on, no exporter.
 * Only the rate phases run the last two, to show what each costs beside `celeriac`.
 */
export type CeleriacImpl = 'celeriac' | 'celeriac-events' | 'celeriac-observed';
export const IMPL_NAMES: readonly Impl[] = [
  'raw',
  'raw-bare',
  'raw-min',
  'celeriac',
  'celeriac-events',
  'celeriac-observed',
];

export function isImpl(name: string | undefined): name is Impl {
  return (IMPL_NAMES as readonly (string | undefined)[]).includes(name);
}

export function isCeleriac(impl: Impl): impl is CeleriacImpl {
  return impl === 'celeriac' || impl === 'celeriac-events' || impl === 'celeriac-observed';
}
export type Role = 'producer' | 'consumer';

/** The no-op task both sides of the Celeriac run use. */
export const BENCH_TASK = 'bench.noop';

/** How an agent is started: `node agent.js <impl> <role> <queue> <prefetch>` (the URL comes from env). */
export interface AgentArgs {
  readonly impl: Impl;
  readonly role: Role;
  readonly queue: string;
  readonly prefetch: number;
}

export type Command =
  /** Producer: publish `n` tasks, `window` at a time (Promise.all over each chunk), all confirmed. */
  | { readonly cmd: 'enqueue'; readonly n: number; readonly window: number }
  /**
   * Producer: publish `n` tasks at a steady rate, one at a time, without waiting between confirms; the
   * first at `startAt` (a `now()` time, so two producers can share one schedule).
   */
  | {
      readonly cmd: 'paced';
      readonly n: number;
      readonly ratePerSec: number;
      readonly startAt: number;
    }
  /** Producer (Celeriac only): publish `n` tasks with a countdown drawn uniformly from [min, max] s. */
  | {
      readonly cmd: 'delayed';
      readonly n: number;
      readonly minCountdownS: number;
      readonly maxCountdownS: number;
    }
  /** Consumer: connect and start consuming; `waitFor` resolves after `expect` handled tasks. */
  | { readonly cmd: 'start'; readonly expect: number; readonly record: boolean }
  /** Consumer: move the target of `waitFor` to `count` handled tasks since `start`. */
  | { readonly cmd: 'expect'; readonly count: number }
  | { readonly cmd: 'waitFor'; readonly timeoutMs: number }
  /** Consumer: what it handled so far (several workers on one queue, where no one target fits each). */
  | { readonly cmd: 'progress' }
  /** Consumer: stop consuming and close the connection (unacked messages go back to the queue). */
  | { readonly cmd: 'stop' }
  /** Either: start V8's sampling profiler (in-process, so boot and warm-up stay out of the profile). */
  | { readonly cmd: 'profileStart' }
  /** Either: stop it and write the `.cpuprofile` to `file`. */
  | { readonly cmd: 'profileStop'; readonly file: string }
  /** Either: memory after two forced GCs. */
  | { readonly cmd: 'memory' }
  | { readonly cmd: 'exit' };

export type Request = Command & { readonly id: number };

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface ProducerStats {
  readonly sent: number;
  /** Just before the first send()/publish(). */
  readonly firstSendAt: number;
  /** When the last confirm arrived. */
  readonly lastConfirmAt: number;
  /** process.cpuUsage() user + system between the two, in microseconds. */
  readonly cpuMicros: number;
}

export interface ConsumerStats {
  readonly handled: number;
  /** Just before connecting and consuming (Celeriac: just before `app.listen()`). */
  readonly startedAt: number;
  /** First handler start. */
  readonly firstStartAt: number;
  /** Completion of the handler that reached the target count. */
  readonly lastDoneAt: number;
  /** process.cpuUsage() user + system from `startedAt` to `lastDoneAt`, in microseconds. */
  readonly cpuMicros: number;
  /** Handler start minus the producer's send time, per task (only with `record`). */
  readonly latenciesMs: readonly number[];
  /** Handler start minus the task's eta, per task that had one (only with `record`). */
  readonly latenessMs: readonly number[];
}

/** A consumer's count so far, for phases whose tasks are shared among several workers. */
export interface ConsumerProgress {
  readonly handled: number;
  /** Just before connecting and consuming. */
  readonly startedAt: number;
  /** The latest handler start (the benchmark's handler does no work, so also its completion). */
  readonly lastStartAt: number;
  /** process.cpuUsage() user + system since `startedAt`, in microseconds. */
  readonly cpuMicros: number;
}

export interface MemoryStats {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** The task body's one argument: the producer's send time. */
export function sentAtOf(args: unknown): number {
  if (Array.isArray(args) && typeof args[0] === 'number') return args[0];
  throw new Error(`Unexpected task arguments: ${JSON.stringify(args)}`);
}
