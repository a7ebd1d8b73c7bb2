import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The package's own `celeriac` command, as a user runs it. */
const MAIN = join(ROOT, 'packages/celeriac/bin/celeriac.js');

/** Builds the package (dist/, which the bin loads), so the command runs the code under test. */
export function buildBeatCli(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', 'build', '-w', 'celeriac'],
      { cwd: ROOT, timeout: 120_000 },
      (err, out, errOut) => {
        if (err)
          reject(
            new Error(`building the celeriac package failed: ${err.message}\n${out}\n${errOut}`),
          );
        else resolve();
      },
    );
  });
}

/** When a line matching the beat's "leads" log appeared in a process's output. */
const LEADS = /beat-(\d+)@\S+ leads the beat/;

/** A `celeriac beat --schedule FILE` process, started as `node …` so signals reach it directly. */
export class BeatProcess {
  private output = '';
  /** When this process logged that it leads, each time (epoch ms, as seen here). */
  readonly ledAt: number[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  private constructor(private readonly child: ChildProcess) {
    const onData = (chunk: Buffer): void => {
      const now = Date.now();
      const text = chunk.toString();
      this.output += text;
      for (const line of text.split('\n')) if (LEADS.test(line)) this.ledAt.push(now);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal, at: Date.now() });
      });
    });
  }

  /** `url`: one URL, or several (one `--broker` each, tried in order). */
  static start(options: {
    url: string | readonly string[];
    schedule: string;
    prefix: string;
  }): BeatProcess {
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'beat',
        '--schedule',
        options.schedule,
        ...urls.flatMap((url) => ['--broker', url]),
        '--prefix',
        options.prefix,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    return new BeatProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
