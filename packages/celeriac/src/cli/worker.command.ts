import type { Command } from 'commander';
import { WORKER_FLAGS_HELP } from '../pool/worker-flags.js';
import { WORKER_MODULE_ENV, workerEntryPath } from './worker-entry-path.js';
import { runWorkerModule } from './run-worker-module.js';

/**
 * `celeriac worker --module <file>#<export> [worker flags]`: runs a worker from the user's built Nest
 * module, with the same Celery-like flags as `runWorker(Module, { argv })` (`-Q`, `-c`, `-P`, ...).
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a Celeriac worker for a Nest module that imports TaskQueueModule.forRoot().\n' +
        'Every flag after --module is a worker flag, listed below.',
    )
    .requiredOption(
      '-m, --module <file#export>',
      'the compiled JavaScript file and the name of the module class it exports ' +
        '(e.g. ./dist/worker.module.js#WorkerModule; without #export, the default export)',
    )
    // The worker flags are parsed and checked by the library's own parser, exactly as runWorker does.
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption('-h, --help', 'print this help, with the worker flags')
    .addHelpText('after', `\nWorker flags:\n${workerFlagsOnly(WORKER_FLAGS_HELP)}`)
    .action(async (options: { module: string }, command: Command) => {
      // With `-P processes` the worker forks `process.argv[1]` with the worker flags: that must be an
      // entry that knows the module without `worker --module`, so it finds it in the environment.
      process.env[WORKER_MODULE_ENV] = options.module;
      process.argv[1] = workerEntryPath();
      await runWorkerModule(options.module, command.args);
    });
}

/**
 * WORKER_FLAGS_HELP without its usage line and examples (they speak of a script of the user's own) and
 * without its --help line (the command's own help option is listed above it).
 */
function workerFlagsOnly(help: string): string {
  const lines = help.split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith('-'));
  const examples = lines.findIndex((line) => line.startsWith('Examples:'));
  return lines
    .slice(first, examples === -1 ? undefined : examples)
    .filter((line) => !line.includes('--help'))
    .join('\n')
    .trimEnd();
}
