import type { Command } from 'commander';
import { callWorkers } from '../control/control-caller.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, withBroker } from './cli-broker.js';
import { CliError } from './cli-errors.js';
import { nodeList, timeoutMs, withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';
import { printReplies } from './node-replies.js';

interface ControlOptions extends CommonOptions {
  readonly destination?: string[];
  readonly timeout?: string;
  readonly terminate?: boolean;
}

/** Each control command and the names of its positional arguments, in Celery's order. */
const COMMANDS: Readonly<Record<string, readonly string[]>> = {
  rate_limit: ['task_name', 'rate_limit'],
  time_limit: ['task_name', 'hard', 'soft'],
  add_consumer: ['queue'],
  cancel_consumer: ['queue'],
  pool_grow: ['n'],
  pool_shrink: ['n'],
  autoscale: ['max', 'min'],
  enable_events: [],
  disable_events: [],
  shutdown: [],
  revoke: ['task_id'],
};

const NUMERIC = new Set(['hard', 'soft', 'n', 'max', 'min']);

const EXAMPLES = `
Examples:
  $ celeriac control rate_limit tasks.add 10/s
  $ celeriac control time_limit reports.build 300 240 -d celeriac@reports-1
  $ celeriac control add_consumer hipri
  $ celeriac control enable_events
  $ celeriac control revoke 1b2c3d4e-... --terminate
  $ celeriac control shutdown -d celeriac@web-1

Python Celery workers obey the same commands.`;

/** `celeriac control <what>`: Celery's control commands, for Celeriac and Python workers alike. */
export function registerControlCommand(program: Command): void {
  withCommonOptions(
    program
      .command('control')
      .description('change what running workers do, without a deploy')
      .argument('<what>', Object.keys(COMMANDS).join(' | '))
      .argument('[args...]', "the command's arguments, e.g. rate_limit <task> <rate>")
      .option(
        '-d, --destination <nodes>',
        'only these nodes (comma-separated, repeatable)',
        nodeList,
      )
      .option('-t, --timeout <seconds>', 'how long to wait for replies', '1')
      .option('--terminate', 'revoke: also abort the task if it is running'),
  )
    .addHelpText('after', EXAMPLES)
    .action(
      cliAction('control', async (what: string, args: string[], options: ControlOptions) => {
        const names = COMMANDS[what];
        if (!names) {
          throw new CliError(
            `unknown control command "${what}"; use one of: ${Object.keys(COMMANDS).join(', ')}`,
          );
        }
        const timeout = timeoutMs(options.timeout, 1);
        const out = createOutput({ json: options.json });
        const replies = await withBroker(brokerTarget(options), (connection) =>
          callWorkers(connection, what, controlArguments(what, names, args, options), {
            destination: options.destination,
            timeoutMs: timeout,
          }),
        );
        if (what === 'shutdown') {
          // Workers do not answer a shutdown, as in Celery.
          out.line('shutdown sent');
          return;
        }
        printReplies(out, replies, timeout);
      }),
    );
}

function controlArguments(
  what: string,
  names: readonly string[],
  values: readonly string[],
  options: ControlOptions,
): Record<string, unknown> {
  if (what === 'revoke') {
    if (values.length === 0) throw new CliError('revoke needs at least one task id');
    return { task_id: [...values], terminate: options.terminate === true, signal: 'SIGTERM' };
  }
  if (values.length > names.length) {
    throw new CliError(
      `${what} takes at most ${names.length} argument(s): ${names.join(' ') || 'none'}`,
    );
  }
  const args: Record<string, unknown> = {};
  values.forEach((value, i) => {
    const name = names[i] ?? '';
    args[name] = NUMERIC.has(name) ? Number(value) : value;
  });
  return args;
}
