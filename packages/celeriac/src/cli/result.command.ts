import type { Command } from 'commander';
import { callWorkers } from '../control/control-caller.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, withBroker } from './cli-broker.js';
import { timeoutMs, withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';

/**
 * `celeriac result <id>`: where a task stands, as far as the workers know. With the `rpc://` result
 * backend a result travels only to the caller that sent the task, so nothing on the broker keeps it for
 * later: this asks the workers whether they run, hold or revoked it.
 */
export function registerResultCommand(program: Command): void {
  withCommonOptions(
    program
      .command('result')
      .description('where a task stands: running, waiting, scheduled or revoked, on which worker')
      .argument('<id>', 'task id')
      .option('-t, --timeout <seconds>', 'how long to wait for the workers', '1'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ celeriac result 1b2c3d4e-5f6a-...\n  $ celeriac result 1b2c3d4e-5f6a-... --json\n\n' +
        'Results themselves go to the caller only (rpc://): read them with AsyncResult.get() in the app that sent the task.',
    )
    .action(
      cliAction('result', async (id: string, options: CommonOptions & { timeout?: string }) => {
        const timeout = timeoutMs(options.timeout, 1);
        const out = createOutput({ json: options.json });
        const [held, revoked] = await withBroker(brokerTarget(options), (connection) =>
          Promise.all([
            callWorkers(connection, 'query_task', { ids: [id] }, { timeoutMs: timeout }),
            callWorkers(connection, 'revoked', {}, { timeoutMs: timeout }),
          ]),
        );
        const where = held.flatMap(({ node, answer }) => {
          const entry = (answer as Record<string, unknown> | null)?.[id];
          return Array.isArray(entry) ? [{ node, state: String(entry[0]).toUpperCase() }] : [];
        });
        const revokedOn = revoked
          .filter(({ answer }) => Array.isArray(answer) && answer.includes(id))
          .map(({ node }) => node);
        const state = where[0]?.state ?? (revokedOn.length > 0 ? 'REVOKED' : 'UNKNOWN');
        if (out.json) {
          out.data({ id, state, workers: where.map((w) => w.node), revokedOn });
          return;
        }
        if (state === 'UNKNOWN') {
          out.line(
            `${id}: not running, waiting or revoked on any of the ${held.length} worker(s) that answered; ` +
              'it may be queued, finished, or never sent (results go to the caller only, over rpc://)',
          );
          return;
        }
        out.line(
          `${id}: ${state}${where[0] ? ` on ${where[0].node}` : ` (on ${revokedOn.join(', ')})`}`,
        );
      }),
    );
}
