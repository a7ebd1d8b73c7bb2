import { type ChildProcess, fork } from 'node:child_process';
import { Logger } from '@nestjs/common';
import { errorMessage } from '../errors/error-text.js';
import { TASK_QUEUE_DEFAULTS } from '../options/task-queue-options.js';
import { EXIT_USAGE, isChildMessage, POOL_CHILD_ENV, type ChildMessage } from './pool-protocol.js';
import { RestartBackoff } from './restart-backoff.js';

export interface WorkerPoolOptions {
  /** How many worker processes to keep running. */
  readonly processes: number;
  /** The script each child runs: the supervisor's own entry point. */
  readonly entry: string;
  /** The child's command line: the supervisor's own flags (the child reads them too). */
  readonly args: readonly string[];
  /** The children's environment, without the pool marker (the pool adds it). */
  readonly env: NodeJS.ProcessEnv;
  /** `--shutdown-grace-ms`, or null to go by what the children report (their module options). */
  readonly shutdownGraceMs: number | null;
}

/**
 * Beyond its shutdown grace, a child still aborts what runs, closes its channels and connections and
 * exits; this is how long the supervisor allows for that before it sends SIGKILL.
 */
export const STOP_MARGIN_MS = 5_000;

type PoolState = 'idle' | 'running' | 'stopping' | 'stopped';

interface Slot {
  /** 0-based; the child gets it as the value of `CELERIAC_POOL_CHILD`. */
  readonly index: number;
  /** The process that fills the slot now (a recycling one has already handed it over). */
  current: ChildRecord | null;
  restartTimer: NodeJS.Timeout | undefined;
  readonly backoff: RestartBackoff;
}

interface ChildRecord {
  readonly slot: Slot;
  readonly process: ChildProcess;
  readonly pid: number;
  /** When the child reported that it consumes; null until then. */
  readyAt: number | null;
  /** Set when the child announced it retires (its exit is then planned). */
  recycling: string | null;
  shutdownGraceMs: number | null;
}

/**
 * The supervisor of `--pool processes`, Celery's prefork pool: keeps `processes` worker processes
 * running, each a full worker consuming one task at a time. It opens no broker connection itself.
 *
 * - A child that exits unexpectedly is replaced; the broker redelivers the tasks it had not acked.
 *   Restarts of one slot back off (`RestartBackoff`) so a child that crashes at boot does not spin; a
 *   child that exits with code 2 before it consumed has a bad configuration, which restarts cannot fix,
 *   so the pool stops with code 2.
 * - A child that retires (max tasks or memory per child) says so first; its replacement starts at once,
 *   so capacity stays `processes` while it finishes.
 * - `stop()` is the warm shutdown: SIGTERM to every child, which stops intake and lets running tasks
 *   finish within its grace; SIGKILL for any still there after that grace plus `STOP_MARGIN_MS`.
 */
export class WorkerPool {
  private readonly logger = new Logger(WorkerPool.name);
  private readonly slots: Slot[];
  private readonly live = new Map<number, ChildRecord>();
  private state: PoolState = 'idle';
  private everyoneReady = false;
  private exitCode = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private resolveDone: (code: number) => void = () => undefined;
  /** Worker processes that exited unexpectedly (crashed, killed) while the pool ran; for the metrics. */
  private unexpectedExits = 0;
  /** Resolves with the process exit code once the pool has stopped and every child has exited. */
  readonly done: Promise<number>;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = Array.from({ length: options.processes }, (_, index) => ({
      index,
      current: null,
      restartTimer: undefined,
      backoff: new RestartBackoff(),
    }));
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Worker processes that exited unexpectedly while the pool ran (each is replaced). */
  get crashes(): number {
    return this.unexpectedExits;
  }

  /** The pids of the live children, retiring ones included. */
  get pids(): number[] {
    return [...this.live.keys()];
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.logger.log(
      `Supervisor pid ${process.pid}: starting ${this.options.processes} worker process(es), ` +
        'each running one task at a time',
    );
    for (const slot of this.slots) this.spawn(slot, null);
  }

  /** Warm shutdown of every child. Idempotent; resolves with the exit code. */
  stop(why: string, exitCode = 0): Promise<number> {
    if (this.state === 'stopping' || this.state === 'stopped') return this.done;
    this.state = 'stopping';
    this.exitCode = Math.max(this.exitCode, exitCode);
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
    if (this.live.size === 0) {
      this.logger.log(`${why}: no worker process is running`);
      this.finish();
      return this.done;
    }
    const killAfterMs = this.graceMs() + STOP_MARGIN_MS;
    this.logger.log(
      `${why}: warm shutdown of ${this.live.size} worker process(es) (pids ${this.pids.join(', ')}); ` +
        `running tasks may finish, SIGKILL after ${killAfterMs} ms`,
    );
    for (const child of this.live.values()) signal(child, 'SIGTERM');
    this.killTimer = setTimeout(() => {
      this.kill(`still running ${killAfterMs} ms after SIGTERM`);
    }, killAfterMs);
    return this.done;
  }

  /** Cold shutdown: SIGKILL to every child; the broker redelivers what they had not acked. */
  kill(why: string): void {
    if (this.state === 'stopped') return;
    if (this.state !== 'stopping') void this.stop(why, 1);
    if (this.live.size === 0) return;
    this.logger.warn(
      `${why}: killing worker process(es) ${this.pids.join(', ')} (SIGKILL); ` +
        'the broker redelivers the tasks they had not acked',
    );
    this.exitCode = Math.max(this.exitCode, 1);
    for (const child of this.live.values()) signal(child, 'SIGKILL');
  }

  private spawn(slot: Slot, replacing: ChildRecord | null): void {
    slot.restartTimer = undefined;
    let child: ChildProcess;
    try {
      child = fork(this.options.entry, [...this.options.args], {
        env: { ...this.options.env, [POOL_CHILD_ENV]: String(slot.index) },
      });
    } catch (err: unknown) {
      this.logger.error(`Cannot start a worker process: ${errorMessage(err)}`);
      this.restartLater(slot, null);
      return;
    }
    const pid = child.pid;
    if (pid === undefined) {
      // fork() reports a failed spawn (EAGAIN, ENOMEM) through 'error', with no pid and no 'exit'.
      child.once('error', (err) => {
        this.logger.error(`Cannot start a worker process: ${err.message}`);
        this.restartLater(slot, null);
      });
      return;
    }
    const record: ChildRecord = {
      slot,
      process: child,
      pid,
      readyAt: null,
      recycling: null,
      shutdownGraceMs: null,
    };
    slot.current = record;
    this.live.set(pid, record);
    child.on('message', (message: unknown) => {
      if (isChildMessage(message)) this.onMessage(record, message);
    });
    child.on('error', (err) => {
      // A failed kill() or send(); the 'exit' event still reports the end of the process.
      this.logger.warn(`Worker process pid ${pid}: ${err.message}`);
    });
    child.once('exit', (code, sig) => {
      this.onExit(record, code, sig);
    });
    this.logger.log(
      replacing
        ? `Started worker process pid ${pid} in place of pid ${replacing.pid} (slot ${slot.index + 1})`
        : `Started worker process pid ${pid} (slot ${slot.index + 1} of ${this.slots.length})`,
    );
  }

  private onMessage(child: ChildRecord, message: ChildMessage): void {
    if (message.type === 'celeriac:ready') {
      child.readyAt = Date.now();
      child.shutdownGraceMs = message.shutdownGraceMs;
      this.logger.log(
        `Worker process pid ${child.pid} (${message.nodeName}) consumes ${message.queues.join(', ')}`,
      );
      if (!this.everyoneReady && this.slots.every((s) => (s.current?.readyAt ?? null) !== null)) {
        this.everyoneReady = true;
        this.logger.log(
          `All ${this.slots.length} worker process(es) consume (pids ${this.slots
            .map((s) => String(s.current?.pid))
            .join(', ')})`,
        );
      }
      return;
    }
    child.recycling = message.reason;
    this.logger.log(
      `Recycling worker process pid ${child.pid} after ${message.tasks} task(s) (RSS ${message.rssKiB} KiB): ` +
        `${message.reason}; it exits once its last task is acked`,
    );
    if (this.state === 'running' && child.slot.current === child) this.spawn(child.slot, child);
  }

  private onExit(child: ChildRecord, code: number | null, sig: NodeJS.Signals | null): void {
    this.live.delete(child.pid);
    const how = sig ? `signal ${sig}` : `code ${String(code)}`;
    const slot = child.slot;
    const ownsSlot = slot.current === child;
    if (ownsSlot) slot.current = null;

    if (this.state !== 'running') {
      this.logger.log(`Worker process pid ${child.pid} exited (${how})`);
      if (this.state === 'stopping' && this.live.size === 0) this.finish();
      return;
    }
    if (child.recycling !== null) {
      if (code === 0) this.logger.log(`Worker process pid ${child.pid} exited after recycling`);
      else this.logger.warn(`Worker process pid ${child.pid} exited (${how}) while recycling`);
      // Its replacement was started when it announced the recycle; start one now only if that failed.
      if (ownsSlot) this.restartLater(slot, child);
      return;
    }
    if (code === EXIT_USAGE && child.readyAt === null) {
      this.logger.error(
        `Worker process pid ${child.pid} could not start: its command line or options are wrong ` +
          '(see its error above); stopping the pool, as restarting cannot fix that',
      );
      void this.stop('Bad configuration', EXIT_USAGE);
      return;
    }
    this.unexpectedExits++;
    this.logger.warn(
      child.readyAt === null
        ? `Worker process pid ${child.pid} exited unexpectedly (${how}) before it consumed`
        : `Worker process pid ${child.pid} exited unexpectedly (${how}); ` +
            'the broker redelivers the tasks it had not acked',
    );
    if (ownsSlot) this.restartLater(slot, child);
  }

  private restartLater(slot: Slot, previous: ChildRecord | null): void {
    if (this.state !== 'running' || slot.restartTimer) return;
    const readyAt = previous?.readyAt ?? null;
    const consumingFor = readyAt !== null ? Date.now() - readyAt : null;
    const delay = slot.backoff.next(consumingFor);
    if (delay === 0) {
      this.spawn(slot, previous);
      return;
    }
    this.logger.warn(
      `Slot ${slot.index + 1} keeps losing its worker process: next start in ${delay} ms`,
    );
    slot.restartTimer = setTimeout(() => {
      this.spawn(slot, previous);
    }, delay);
  }

  /** The longest grace any child runs with, so none is killed inside its own grace. */
  private graceMs(): number {
    if (this.options.shutdownGraceMs !== null) return this.options.shutdownGraceMs;
    const reported = [...this.live.values()]
      .map((c) => c.shutdownGraceMs)
      .filter((ms) => ms !== null);
    return reported.length > 0 ? Math.max(...reported) : TASK_QUEUE_DEFAULTS.shutdownGraceMs;
  }

  private finish(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.logger.log(`Every worker process has exited; supervisor exits with code ${this.exitCode}`);
    this.resolveDone(this.exitCode);
  }
}

function signal(child: ChildRecord, sig: NodeJS.Signals): void {
  try {
    child.process.kill(sig);
  } catch {
    // Already gone: its 'exit' event is on the way.
  }
}
