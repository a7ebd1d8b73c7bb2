import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RABBITMQ_URL } from '../support/broker.js';

/** Debian's python3 has python3-celery; a pyenv `python3` on PATH may not. */
export const PYTHON = process.env['CELERY_PYTHON'] ?? '/usr/bin/python3';
export const PYTHON_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python');

export interface CaseResult {
  readonly case: string;
  readonly ok: boolean;
  readonly detail: unknown;
  readonly ms: number;
}

/** Runs the Python Celery client cases against whatever worker consumes `queue`; one result per case. */
export async function runPythonClientCases(
  queue: string,
  timeoutS: number,
): Promise<Map<string, CaseResult>> {
  const { code, stdout, stderr } = await runPython(
    ['client_cases.py', '--timeout', String(timeoutS)],
    {
      CELERY_QUEUE: queue,
    },
  );
  const results = new Map<string, CaseResult>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as CaseResult;
    results.set(parsed.case, parsed);
  }
  if (results.size === 0) {
    throw new Error(
      `client_cases.py printed no results (exit ${String(code)}):\n${stderr.slice(-2000)}`,
    );
  }
  return results;
}

/** A Python Celery worker on `queue`, started from run_worker.sh; resolves once it logged its ready line. */
export async function startPythonWorker(
  queue: string,
  env: Readonly<Record<string, string>> = {},
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn('bash', ['run_worker.sh'], {
    cwd: PYTHON_DIR,
    env: { ...process.env, CELERY_QUEUE: queue, RABBITMQ_URL, PYTHON, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`Python worker not ready in 30 s:\n${log.slice(-2000)}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('INTEROP-PY-WORKER-READY')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `Python worker exited (${String(code)}) before it was ready:\n${log.slice(-2000)}`,
        ),
      );
    });
  });
  await ready;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, stop };
}

/** Runs a Python script of PYTHON_DIR and returns the JSON objects it printed, one per stdout line. */
export async function runPythonJson(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Record<string, unknown>[]> {
  const { code, stdout, stderr } = await runPython(args, env);
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  if (lines.length === 0) {
    throw new Error(
      `${args.join(' ')} printed nothing (exit ${String(code)}):\n${stderr.slice(-2000)}`,
    );
  }
  return lines;
}

export interface CeleryRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs Debian's Python with `args` in PYTHON_DIR, on the test broker, and collects what it printed. */
async function runPython(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CeleryRun> {
  const child = spawn(PYTHON, args, {
    cwd: PYTHON_DIR,
    env: { ...process.env, RABBITMQ_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/**
 * Runs Debian's Celery command line (`python3 -m celery -A tasks <args>`) on the test broker, as an
 * operator would against any worker on it; resolves when it exits.
 */
export function runCelery(args: readonly string[], queue: string): Promise<CeleryRun> {
  return runPython(['-m', 'celery', '-A', 'tasks', ...args], { CELERY_QUEUE: queue });
}

/**
 * `celery inspect|control <command> --json`: the replies, by node name (`inspect` prints one object,
 * `control` a list of one object per reply; both are merged here).
 */
export async function celeryJson(
  args: readonly string[],
  queue: string,
): Promise<Record<string, unknown>> {
  const run = await runCelery([...args, '--json', '--timeout', '5'], queue);
  const line = run.stdout.split('\n').find((text) => text.startsWith('{') || text.startsWith('['));
  if (!line) {
    throw new Error(
      `celery ${args.join(' ')} printed no JSON (exit ${String(run.code)}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  const parsed = JSON.parse(line) as Record<string, unknown> | Record<string, unknown>[];
  if (!Array.isArray(parsed)) return parsed;
  const merged: Record<string, unknown> = {};
  for (const reply of parsed) Object.assign(merged, reply);
  return merged;
}

/**
 * `celery events --dump`, running until `stop()`; `output()` is what it printed so far. A test polls it
 * for the lines it expects.
 */
export function dumpCeleryEvents(queue: string): {
  output: () => string;
  stop: () => Promise<void>;
} {
  const child = spawn(PYTHON, ['-m', 'celery', '-A', 'tasks', 'events', '--dump'], {
    cwd: PYTHON_DIR,
    env: { ...process.env, CELERY_QUEUE: queue, RABBITMQ_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every reply to one broadcast of `method`, as Celery's `app.control.broadcast` receives them. */
export async function broadcastReplies(
  method: string,
  args: Record<string, unknown>,
  queue: string,
): Promise<Record<string, unknown>[]> {
  const child = spawn(PYTHON, ['broadcast_replies.py', method, JSON.stringify(args)], {
    cwd: PYTHON_DIR,
    env: { ...process.env, CELERY_QUEUE: queue, RABBITMQ_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((text) => text.startsWith('['));
  if (!line) throw new Error(`broadcast_replies.py failed (exit ${String(code)}):\n${stderr}`);
  return JSON.parse(line) as Record<string, unknown>[];
}
