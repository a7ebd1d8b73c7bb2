import type { Command } from 'commander';
import { DeadLetters } from '../client/dead-letters.service.js';
import { resolveOptions } from '../options/resolve-options.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, connectBroker } from './cli-broker.js';
import { withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput } from './cli-output.js';

interface DlqOptions extends CommonOptions {
  readonly limit?: string;
  readonly ids?: string;
  readonly force?: boolean;
}

const EXAMPLES = `
Examples:
  $ celeriac dlq list celery --limit 20
  $ celeriac dlq replay celery --ids 1b2c3d4e-...,5f6a7b8c-...
  $ celeriac dlq replay celery          # every dead letter back to "celery"
  $ celeriac dlq purge celery --force

<queue> is the task queue (celery), not its dead-letter queue (celery.dead).`;

/** `celeriac dlq list|replay|purge <queue>`: the dead letters of a queue (see `DeadLetters`). */
export function registerDlqCommand(program: Command): void {
  withCommonOptions(
    program
      .command('dlq')
      .description('look into, replay or empty the dead letters of a queue')
      .argument('<action>', 'list | replay | purge')
      .argument('<queue>', 'the task queue whose dead letters to use')
      .option('-l, --limit <n>', 'list/replay: at most this many')
      .option('--ids <ids>', 'replay: only these task ids (comma-separated)')
      .option('-f, --force', 'purge: do it'),
  )
    .addHelpText('after', EXAMPLES)
    .action(
      cliAction('dlq', async (action: string, queue: string, options: DlqOptions) => {
        if (!['list', 'replay', 'purge'].includes(action)) {
          throw new Error(`unknown action "${action}"; use list, replay or purge`);
        }
        if (action === 'purge' && options.force !== true) {
          throw new Error(`this deletes every dead letter of ${queue}; add --force to do it`);
        }
        const target = brokerTarget(options);
        // Fail fast with a clear message when the broker is down, before the reconnecting runtime waits.
        await (await connectBroker(target)).close();
        const resolved = resolveOptions({ ...target, connectTimeoutMs: 5_000 });
        const runtime = new TaskQueueRuntime(resolved);
        const letters = new DeadLetters(runtime, resolved);
        const out = createOutput({ json: options.json });
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        try {
          if (action === 'list') {
            const list = await letters.list(queue, limit === undefined ? {} : { limit });
            if (out.json) out.data(list);
            else if (list.length === 0) out.line(`no dead letters in ${queue}.dead`);
            else
              out.table(
                ['ID', 'TASK', 'REASON', 'ERROR', 'ATTEMPTS'],
                list.map((letter) => [
                  letter.id ?? '?',
                  letter.task ?? '?',
                  letter.reason ?? '',
                  letter.excType
                    ? `${letter.excType}: ${(letter.excMessage ?? []).map(String).join(', ')}`
                    : (letter.detail ?? ''),
                  String(letter.attempts ?? ''),
                ]),
              );
          } else if (action === 'replay') {
            const ids = options.ids?.split(',').map((id) => id.trim());
            const count = await letters.replay(queue, {
              ...(ids ? { ids } : {}),
              ...(limit === undefined ? {} : { limit }),
            });
            if (out.json) out.data({ replayed: count });
            else out.line(`replayed ${count} dead letter(s) to ${queue}`);
          } else {
            const count = await letters.purge(queue);
            if (out.json) out.data({ purged: count });
            else out.line(`purged ${count} dead letter(s) from ${queue}.dead`);
          }
        } finally {
          await runtime.onApplicationShutdown();
        }
      }),
    );
}
