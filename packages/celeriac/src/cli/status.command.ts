import type { Command } from 'commander';
import { callWorkers } from '../control/control-caller.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, withBroker } from './cli-broker.js';
import { CliError } from './cli-errors.js';
import { timeoutMs, withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';

/** `celeriac status`: which workers are online, as `celery status`. */
export function registerStatusCommand(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description('list the workers online (Celeriac and Python Celery)')
      .option('-t, --timeout <seconds>', 'how long to wait for replies', '1'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ celeriac status\n  $ celeriac status --json --timeout 3',
    )
    .action(
      cliAction('status', async (options: CommonOptions & { timeout?: string }) => {
        const timeout = timeoutMs(options.timeout, 1);
        const out = createOutput({ json: options.json });
        const replies = await withBroker(brokerTarget(options), (connection) =>
          callWorkers(connection, 'ping', {}, { timeoutMs: timeout }),
        );
        if (replies.length === 0) {
          throw new CliError(
            `no worker replied within ${timeout / 1000} s; are workers running on this broker and vhost?`,
          );
        }
        const nodes = replies.map((reply) => reply.node).sort();
        if (out.json) {
          out.data({ online: nodes });
          return;
        }
        for (const node of nodes) out.line(`-> ${node}: ${out.ok('OK')}`);
        out.line();
        out.line(`${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'} online.`);
      }),
    );
}
