import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RABBITMQ_URL } from './broker.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The package's own `celeriac` command, as a user runs it (it loads the package's built dist/). */
const BIN = join(ROOT, 'packages/celeriac/bin/celeriac.js');

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs `celeriac <args>` in a process of its own, against the test broker (`RABBITMQ_URL`), and captures
 * what it printed and its exit code. Its output is not a TTY: plain text, no colour.
 */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, RABBITMQ_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => {
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
  return { stdout, stderr, exitCode };
}
