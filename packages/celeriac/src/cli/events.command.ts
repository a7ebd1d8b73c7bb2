import type { Command } from 'commander';
import type { CeleryEvent } from '../events/celery-event.js';
import { receiveEvents } from '../events/event-receiver.js';
import { cliAction } from './cli-action.js';
import { brokerTarget, connectBroker } from './cli-broker.js';
import { withCommonOptions, type CommonOptions } from './cli-options.js';
import { createOutput, type Output } from './cli-output.js';

interface EventsOptions extends CommonOptions {
  readonly dump?: boolean;
  readonly tasks?: boolean;
  readonly workers?: boolean;
}

const EXAMPLES = `
Examples:
  $ celeriac events                 # a live tail: task events, workers coming and going
  $ celeriac events --dump          # every event with all its fields, heartbeats included
  $ celeriac events --json | jq 'select(.type == "task-failed")'

Task events come from workers started with -E (or after "celeriac control enable_events").`;

/** `celeriac events`: follows Celery events from every worker, as `celery events --dump`. */
export function registerEventsCommand(program: Command): void {
  withCommonOptions(
    program
      .command('events')
      .description('follow what the workers do, live (Ctrl-C to stop)')
      .option('--dump', 'print every event with all its fields, heartbeats included')
      .option('--tasks', 'task events only')
      .option('--workers', 'worker events only'),
  )
    .addHelpText('after', EXAMPLES)
    .action(
      cliAction('events', async (options: EventsOptions) => {
        const out = createOutput({ json: options.json });
        const connection = await connectBroker(brokerTarget(options));
        const routingKey = options.tasks ? 'task.#' : options.workers ? 'worker.#' : '#';
        const subscription = await receiveEvents(
          connection,
          (event) => {
            printEvent(out, event, options.dump === true);
          },
          { routingKey },
        );
        if (!out.json) out.line(out.dim(`-> following events on ${routingKey} (Ctrl-C to stop)`));
        const stop = (): void => {
          void subscription.close().then(() => connection.close().catch(() => undefined));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await subscription.ended;
      }),
    );
}

/** One event: JSON, every field (`--dump`), or a short line (heartbeats left out). */
export function printEvent(out: Output, event: CeleryEvent, dump: boolean): void {
  if (out.json) {
    out.data(event);
    return;
  }
  const when = new Date(event.timestamp * 1000).toISOString();
  if (dump) {
    const { type, hostname, timestamp: _timestamp, ...fields } = event;
    const rest = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(', ');
    out.line(`${hostname} [${when}] ${type}: ${rest}`);
    return;
  }
  if (event.type === 'worker-heartbeat') return;
  const failed = event.type === 'task-failed' || event.type === 'task-rejected';
  const label = failed
    ? out.bad(event.type)
    : event.type === 'task-succeeded'
      ? out.ok(event.type)
      : event.type;
  const field = (key: string, label = ''): string => {
    const value = event[key];
    if (value === undefined || value === null) return '';
    return `${label}${typeof value === 'string' ? value : JSON.stringify(value)}`;
  };
  const runtime = typeof event['runtime'] === 'number' ? `${event['runtime'].toFixed(3)} s` : '';
  const detail = [
    field('name'),
    event.uuid ?? '',
    field('args', 'args='),
    field('result', 'result='),
    runtime,
    field('exception'),
  ]
    .filter((part) => part !== '')
    .join(' ');
  out.line(`${out.dim(when)} ${event.hostname} ${label} ${detail}`.trimEnd());
}
