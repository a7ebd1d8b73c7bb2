import type { Command } from 'commander';
import { withTlsOptions, type TlsFlags } from './cli-tls.js';

/** The options every operations command takes. */
export interface CommonOptions extends TlsFlags {
  readonly broker?: string;
  readonly json?: boolean;
}

/** Adds `--broker`, the TLS flags of amqps:// brokers and `--json` to a command. */
export function withCommonOptions(command: Command): Command {
  return withTlsOptions(
    command.option(
      '-b, --broker <url>',
      'broker URL (default: $RABBITMQ_URL, else amqp://guest:guest@127.0.0.1:5672)',
    ),
  ).option('--json', 'print JSON, one document per line, for scripts');
}

/** `--timeout <seconds>` as milliseconds. */
export function timeoutMs(value: string | undefined, fallbackSeconds: number): number {
  if (value === undefined) return fallbackSeconds * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`--timeout must be a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return seconds * 1000;
}

/** `-d a,b -d c` → `['a', 'b', 'c']`. */
export function nodeList(value: string, previous: readonly string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  ];
}
