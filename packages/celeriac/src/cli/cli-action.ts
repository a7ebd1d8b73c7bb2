import { errorMessage } from '../errors/error-text.js';
import { CliError } from './cli-errors.js';

/**
 * Wraps a command's action: an error becomes one line on stderr that names the command and says what
 * to do, and exit code 1 (or the error's own), never a stack trace.
 */
export function cliAction<A extends unknown[]>(
  name: string,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err: unknown) {
      process.stderr.write(`celeriac ${name}: ${errorMessage(err)}\n`);
      process.exitCode = err instanceof CliError ? err.exitCode : 1;
    }
  };
}
