import type { Command } from 'commander';
import { callWorkers } from '../control/control-caller.js';
import { INSPECT_COMMANDS, type RequestInfo } from '../control/reply-types.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, withBroker } from './cli-broker.js';
import { CliError } from './cli-errors.js';
import { nodeList, timeoutMs, withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';
import { printReplies, renderAnswer } from './node-replies.js';

interface InspectOptions extends CommonOptions {
  readonly destination?: string[];
  readonly timeout?: string;
}

const EXAMPLES = `
Examples:
  $ celeriac inspect ping
  $ celeriac inspect active -d celeriac@web-1
  $ celeriac inspect registered --json | jq .
  $ celeriac inspect query_task 1b2c3d4e-... 5f6a7b8c-...
  $ RABBITMQ_URL=amqp://user:pass@rabbit:5672/prod celeriac inspect stats --timeout 5

Python Celery workers answer too: the same commands reach every worker on the broker.`;

/** `celeriac inspect <what>`: Celery's inspect commands, answered by Celeriac and Python workers alike. */
export function registerInspectCommand(program: Command): void {
  withCommonOptions(
    program
      .command('inspect')
      .description('ask the workers what they run, hold, know and how they are set up')
      .argument('<what>', INSPECT_COMMANDS.join(' | '))
      .argument('[ids...]', 'task ids, for query_task')
      .option(
        '-d, --destination <nodes>',
        'only these nodes (comma-separated, repeatable)',
        nodeList,
      )
      .option('-t, --timeout <seconds>', 'how long to wait for replies', '1'),
  )
    .addHelpText('after', EXAMPLES)
    .action(
      cliAction('inspect', async (what: string, ids: string[], options: InspectOptions) => {
        if (!(INSPECT_COMMANDS as readonly string[]).includes(what)) {
          throw new CliError(
            `unknown inspect command "${what}"; use one of: ${INSPECT_COMMANDS.join(', ')}`,
          );
        }
        if (what === 'query_task' && ids.length === 0) {
          throw new CliError(
            'query_task needs at least one task id: celeriac inspect query_task <id>...',
          );
        }
        const timeout = timeoutMs(options.timeout, 1);
        const out = createOutput({ json: options.json });
        const replies = await withBroker(brokerTarget(options), (connection) =>
          callWorkers(connection, what, what === 'query_task' ? { ids } : {}, {
            destination: options.destination,
            timeoutMs: timeout,
          }),
        );
        const render = what === 'active' || what === 'reserved' ? renderTasks : renderAnswer;
        printReplies(out, replies, timeout, render);
      }),
    );
}

/** Running or reserved tasks as lines: id, name, args, and how long it has run. */
function renderTasks(answer: unknown): string[] {
  if (!Array.isArray(answer) || answer.length === 0) return ['- empty -'];
  return (answer as RequestInfo[]).map((task) => {
    const since =
      task.time_start === null
        ? 'waiting'
        : `${(Date.now() / 1000 - task.time_start).toFixed(1)} s`;
    return `* ${task.id}  ${task.name}${JSON.stringify(task.args)}  ${since}`;
  });
}
