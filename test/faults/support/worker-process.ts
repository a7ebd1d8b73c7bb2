import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileLedger, type LedgerEvent } from './ledger.js';
import { waitUntil } from './scenario.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = join(ROOT, 'dist/faults-worker/test/faults/worker/main.js');

/** Builds the faults-worker Nest project (test/faults/worker) into dist/faults-worker. */
export function buildFaultsWorker(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'npx',
      ['nest', 'build', 'faults-worker'],
      { cwd: ROOT, timeout: 120_000 },
      (err, out, errOut) => {
        if (err)
          reject(new Error(`nest build faults-worker failed: ${err.message}\n${out}\n${errOut}`));
        else resolve();
      },
    );
  });
}

/** A ledger file shared by the worker processes of one scenario. */
export function ledgerFile(scenario: string): string {
  return join(tmpdir(), `celeriac-faults-${scenario}-${randomUUID().slice(0, 8)}.jsonl`);
}

/** A worker process of the fault suite: `node …/main.js`, so signals reach it directly. */
export class WorkerProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly ledger: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal, at: Date.now() });
      });
    });
  }

  /** Starts a worker on `queue` and waits until it consumes (its `ready` row). */
  static async start(options: {
    url: string;
    queue: string;
    ledger: string;
    concurrency: number;
    graceMs?: number;
    /** More environment: the beat schedule of a worker that is also a beat replica, `FAULTS_RESULT_BACKEND`. */
    env?: Readonly<Record<string, string>>;
  }): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        RABBITMQ_URL: options.url,
        FAULTS_QUEUE: options.queue,
        FAULTS_LEDGER: options.ledger,
        FAULTS_CONCURRENCY: String(options.concurrency),
        FAULTS_GRACE_MS: String(options.graceMs ?? 10_000),
        ...options.env,
      },
    });
    const worker = new WorkerProcess(child, options.ledger);
    await waitUntil(
      `worker ${child.pid ?? '?'} to consume`,
      () => worker.events().some((ev) => ev.e === 'ready') || worker.child.exitCode !== null,
      Boolean,
      30_000,
    );
    if (worker.child.exitCode !== null) {
      throw new Error(`faults-worker exited with ${worker.child.exitCode}:\n${worker.output}`);
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the process printed (Nest logs), for assertions and failure messages. */
  get log(): string {
    return this.output;
  }

  /** This process's rows of the shared ledger file. */
  events(): LedgerEvent[] {
    return FileLedger.read(this.ledger).filter((ev) => 'pid' in ev && ev.pid === this.pid);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops it if it still runs (SIGKILL after `graceMs`). */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  static removeLedger(path: string): void {
    rmSync(path, { force: true });
  }
}
