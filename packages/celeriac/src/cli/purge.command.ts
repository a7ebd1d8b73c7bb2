import type { Command } from 'commander';
import { cliAction } from './cli-action.js';
import { brokerTarget, withBroker } from './cli-broker.js';
import { CliError } from './cli-errors.js';
import { withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';

/** `celeriac purge <queue...>`: deletes the waiting tasks of queues, as `celery purge -Q`. */
export function registerPurgeCommand(program: Command): void {
  withCommonOptions(
    program
      .command('purge')
      .description('delete every task waiting in the queues (tasks being run are not touched)')
      .argument('<queues...>', 'queue names')
      .option('-f, --force', 'do it: without this flag nothing is deleted'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ celeriac purge celery --force\n  $ celeriac purge reports hipri -f --json',
    )
    .action(
      cliAction('purge', async (queues: string[], options: CommonOptions & { force?: boolean }) => {
        if (options.force !== true) {
          throw new CliError(
            `this deletes every waiting task of ${queues.join(', ')}; add --force to do it`,
            2,
          );
        }
        const out = createOutput({ json: options.json });
        const purged = await withBroker(brokerTarget(options), async (connection) => {
          const counts: Record<string, number> = {};
          for (const queue of queues) {
            const channel = await connection.createChannel();
            channel.on('error', () => undefined);
            try {
              counts[queue] = (await channel.purgeQueue(queue)).messageCount;
            } catch {
              throw new CliError(
                `there is no queue "${queue}" on this broker (check the name and the vhost)`,
              );
            } finally {
              await channel.close().catch(() => undefined);
            }
          }
          return counts;
        });
        if (out.json) out.data(purged);
        else
          for (const [queue, count] of Object.entries(purged))
            out.line(`purged ${count} message(s) from ${queue}`);
      }),
    );
}
