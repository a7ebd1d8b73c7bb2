import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RABBITMQ_URL, TEST_DELAY_PREFIX } from '../support/broker.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A build of test/pool/pool-worker in a directory of its own under dist/. */
export interface PoolWorkerBuild {
  /** The entry point to run with node. */
  readonly main: string;
  /** Deletes the build. */
  remove(): Promise<void>;
}

/**
 * Builds test/pool/pool-worker with the Nest CLI (`nest build pool-worker`, as `npm run build` builds the
 * apps), into a directory named for this run: another suite building the same project at the same time
 * (the Nest CLI empties its output directory first) cannot pull the files from under this one.
 */
export async function buildPoolWorker(): Promise<PoolWorkerBuild> {
  const name = `pool-worker-${randomUUID().slice(0, 8)}`;
  // Under dist/ (ignored by git) so that the build finds node_modules; the Nest CLI takes the tsconfig
  // path relative to the workspace.
  const tsconfig = path.join('dist', `${name}.tsconfig.json`);
  const outDir = path.join(ROOT, 'dist', name);
  await mkdir(path.join(ROOT, 'dist'), { recursive: true });
  await writeFile(
    path.join(ROOT, tsconfig),
    JSON.stringify({
      extends: '../test/pool/pool-worker/tsconfig.app.json',
      compilerOptions: { outDir: `./${name}` },
    }),
  );
  const remove = async (): Promise<void> => {
    await rm(outDir, { recursive: true, force: true });
    await rm(path.join(ROOT, tsconfig), { force: true });
  };
  try {
    await promisify(execFile)(
      path.join(ROOT, 'node_modules/.bin/nest'),
      ['build', 'pool-worker', '--path', tsconfig],
      { cwd: ROOT },
    );
  } catch (err: unknown) {
    await remove();
    throw err;
  }
  return { main: path.join(outDir, 'test/pool/pool-worker/main.js'), remove };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The pool worker (test/pool/pool-worker) run as a real process with the given flags, in a process group
 * of its own so that `destroy()` can take its children down with it whatever state the test left.
 * Keeps every line it and its children print (they share its stdout).
 */
export class PoolProcess {
  readonly lines: string[] = [];
  /** Resolves once the process has exited and its output (and its children's) has ended. */
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private exit: Exit | null = null;

  constructor(main: string, args: readonly string[], queue: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [main, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        RABBITMQ_URL,
        POOL_QUEUE: queue,
        POOL_DELAY_PREFIX: TEST_DELAY_PREFIX,
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const echo = process.env['CELERIAC_TEST_LOGS'] !== undefined;
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (echo) process.stderr.write(`[pool] ${line}\n`);
      });
    }
    // 'close', not 'exit': by then every line it (and any child still holding its stdout) printed is in.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** The supervisor's pid (or the worker's, without `-P processes`). */
  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('the pool worker did not start');
    return pid;
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Every match of `pattern` in the output so far. */
  matches(pattern: RegExp): RegExpMatchArray[] {
    return this.lines.flatMap((line) => {
      const match = pattern.exec(line);
      return match ? [match] : [];
    });
  }

  /** Pids of the worker processes the supervisor started so far. */
  get childPids(): number[] {
    return this.matches(/Started worker process pid (\d+)/).map((m) => Number(m[1]));
  }

  /** Resolves with the first match of `pattern`, polling the output; fails showing the tail of it. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.matches(pattern)[0];
      if (match) return match;
      if (this.exit) {
        throw new Error(
          `pool worker exited (${describeExit(this.exit)}) before printing ${pattern}:\n${this.tail()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`pool worker did not print ${pattern} in ${timeoutMs} ms:\n${this.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Signals the supervisor and its children at once, as systemd's default `KillMode=control-group` does. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  /** SIGKILL to the whole process group, then waits for the supervisor's exit. For cleanup. */
  async destroy(): Promise<void> {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    await this.exited;
  }

  tail(lines = 40): string {
    return this.lines.slice(-lines).join('\n');
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}
