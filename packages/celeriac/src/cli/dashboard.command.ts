import type { Command } from 'commander';
import { redactUrl } from '../errors/redact-url.js';
import { serveDashboard } from '../dashboard/serve-dashboard.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, connectBroker } from './cli-broker.js';
import { withTlsOptions, type TlsFlags } from './cli-tls.js';

interface DashboardOptions extends TlsFlags {
  readonly broker?: string;
  readonly port?: string;
  readonly allowActions?: boolean;
}

const EXAMPLES = `
Examples:
  $ celeriac dashboard                      # http://127.0.0.1:5555/, read-only
  $ celeriac dashboard --port 8080 --broker amqp://user:pass@rabbit:5672/prod
  $ celeriac dashboard --allow-actions      # revoke, rate limits, replay and purge from the page

It answers only on this machine (127.0.0.1); reach it from elsewhere through an SSH tunnel, e.g.
  $ ssh -L 5555:127.0.0.1:5555 ops@broker-host
Task lists need workers started with -E (task events on).`;

/** `celeriac dashboard`: the dashboard on its own, without an app (see `serveDashboard`). */
export function registerDashboardCommand(program: Command): void {
  withTlsOptions(
    program
      .command('dashboard')
      .description('serve the web dashboard on 127.0.0.1 (Ctrl-C to stop)')
      .option(
        '-b, --broker <url>',
        'broker URL (default: $RABBITMQ_URL, else amqp://guest:guest@127.0.0.1:5672)',
      )
      .option('-p, --port <port>', 'port on 127.0.0.1', '5555')
      .option('--allow-actions', 'allow revoke, rate limits, replay and purge from the page'),
  )
    .addHelpText('after', EXAMPLES)
    .action(
      cliAction('dashboard', async (options: DashboardOptions) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new Error(`--port must be a port number, got ${JSON.stringify(options.port)}`);
        }
        const target = brokerTarget(options);
        // Fail fast with a clear message when the broker is down, before the reconnecting runtime waits.
        await (await connectBroker(target)).close();
        const served = await serveDashboard({
          ...target,
          port,
          allowActions: options.allowActions === true,
        });
        process.stdout.write(
          `celeriac dashboard: ${served.url} (broker ${redactUrl(target.url)}, ` +
            `${options.allowActions === true ? 'actions allowed' : 'read-only'}); Ctrl-C to stop\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await served.close();
      }),
    );
}
