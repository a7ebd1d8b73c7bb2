import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Beat } from '../beat/beat.js';
import { formatListing, listBeat } from '../beat/beat-listing.js';
import { parseScheduleFile } from '../beat/schedule-file.js';
import { errorMessage } from '../errors/error-text.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { tlsFromFlags, withTlsOptions, type TlsFlags } from './cli-tls.js';

interface BeatCommandOptions extends TlsFlags {
  readonly schedule: string;
  /** Every `--broker` given, in order. */
  readonly broker?: readonly string[];
  readonly list?: boolean;
  readonly prefix?: string;
}

/**
 * `celeriac beat --schedule FILE [--broker URL]... [--list] [--prefix NAME]`: runs a standalone beat replica
 * (any number may run; one leads), or with `--list` prints the entries, their next run and the leader.
 */
export function registerBeatCommand(program: Command): void {
  withTlsOptions(program.command('beat'))
    .description(
      'Run the beat (periodic tasks) from a schedule file; start several for failover: one leads.',
    )
    .requiredOption(
      '-s, --schedule <file>',
      "JSON schedule, shaped like Celery's beat_schedule: name -> {task, schedule, args, kwargs, options}",
    )
    .option(
      '-b, --broker <url>',
      'broker URL; repeat it with the nodes of a cluster, tried in order on every reconnect (default: $RABBITMQ_URL, else amqp://localhost)',
      (value: string, previous: readonly string[] | undefined) => [...(previous ?? []), value],
    )
    .option('-l, --list', 'print the entries, each one’s next run and the leader, then exit')
    .option(
      '--prefix <name>',
      'name prefix of the leader queue and tick stream (default celeriac.beat)',
    )
    .action(async (flags: BeatCommandOptions) => {
      await runBeatCommand(flags);
    });
}

/**
 * The URLs a beat replica connects to: every `--broker`, in order (a replica whose node dies reconnects to the
 * next one, so it keeps taking part in the election), else `$RABBITMQ_URL`; empty for the default.
 */
export function beatBrokerUrls(
  brokers: readonly string[] | undefined,
  env: string | undefined,
): string[] {
  if (brokers !== undefined && brokers.length > 0) return [...brokers];
  return env !== undefined && env !== '' ? [env] : [];
}

async function runBeatCommand(flags: BeatCommandOptions): Promise<void> {
  let options: ResolvedTaskQueueOptions;
  let entries: ReturnType<typeof parseScheduleFile>;
  try {
    const urls = beatBrokerUrls(flags.broker, process.env['RABBITMQ_URL']);
    const tls = tlsFromFlags(flags, urls[0] ?? '');
    options = resolveOptions({
      ...(urls.length > 0 ? { url: urls } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(flags.prefix !== undefined ? { beat: { prefix: flags.prefix } } : {}),
    });
    entries = parseScheduleFile(await readFile(flags.schedule, 'utf8'), flags.schedule);
  } catch (err: unknown) {
    process.stderr.write(`celeriac beat: ${errorMessage(err)}\n`);
    process.exitCode = 2;
    return;
  }
  if (flags.list === true) {
    try {
      process.stdout.write(`${formatListing(await listBeat(options, entries))}\n`);
    } catch (err: unknown) {
      process.stderr.write(`celeriac beat --list: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  const beat = new Beat(options, entries);
  await beat.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void beat.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
