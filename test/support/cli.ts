import { Command } from 'commander';
// The bin's commands, imported from the source until the bin itself is built for the suites.
import { registerOperationsCommands } from '../../packages/celeriac/src/cli/operations-commands.js';

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs `celeriac <args>` in this process, as the bin would (a commander program with the operations
 * commands), and captures what it printed and its exit code. Not a TTY: plain text, no colour.
 */
export async function runCli(args: readonly string[]): Promise<CliRun> {
  const program = new Command('celeriac').exitOverride();
  program.configureOutput({
    writeOut: (text) => (captured.stdout += text),
    writeErr: (text) => (captured.stderr += text),
  });
  registerOperationsCommands(program);
  const captured = { stdout: '', stderr: '' };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    captured.stdout += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    captured.stderr += String(chunk);
    return true;
  });
  const previous = process.exitCode;
  process.exitCode = 0;
  let exitCode = 0;
  try {
    await program.parseAsync(['node', 'celeriac', ...args]);
    const code: unknown = process.exitCode;
    exitCode = typeof code === 'number' ? code : 0;
  } catch (err: unknown) {
    // exitOverride: --help and usage errors end here instead of exiting the test process.
    exitCode = (err as { exitCode?: number }).exitCode ?? 1;
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = previous;
  }
  return { ...captured, exitCode };
}
