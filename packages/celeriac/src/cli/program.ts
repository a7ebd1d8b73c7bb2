import { Command } from 'commander';
import { registerBeatCommand } from './beat.command.js';
import { registerDashboardCommand } from './dashboard.command.js';
import { registerOperationsCommands } from './operations-commands.js';
import { packageVersion } from './package-version.js';
import { registerWorkerCommand } from './worker.command.js';

/**
 * The `celeriac` command line: one sub-command per file, each adding itself with a
 * `register<Name>Command(program)` function, so a new command is one new file and one line here.
 */
export function createProgram(): Command {
  const program = new Command('celeriac')
    .description('Celery-grade background tasks for NestJS on RabbitMQ.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)');
  registerWorkerCommand(program);
  registerBeatCommand(program);
  registerOperationsCommands(program);
  registerDashboardCommand(program);
  return program;
}
