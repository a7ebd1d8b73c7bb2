import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { redactUrl } from '../errors/redact-url.js';
import type { TlsOptions } from '../options/tls-options.js';
import { CliError } from './cli-errors.js';

/** The TLS flags of a command, as commander parses them. */
export interface TlsFlags {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsServername?: string;
}

/**
 * The environment variables each TLS flag falls back to, as `--broker` falls back to `RABBITMQ_URL`. The
 * key's passphrase has no flag: a flag's value shows in `ps` and in shell history.
 */
export const TLS_ENV = {
  ca: 'CELERIAC_TLS_CA',
  cert: 'CELERIAC_TLS_CERT',
  key: 'CELERIAC_TLS_KEY',
  passphrase: 'CELERIAC_TLS_PASSPHRASE',
  servername: 'CELERIAC_TLS_SERVERNAME',
} as const;

/** Adds `--tls-ca`, `--tls-cert`, `--tls-key` and `--tls-servername` to a command. */
export function withTlsOptions(command: Command): Command {
  return command
    .option(
      '--tls-ca <file>',
      `amqps://: PEM file of the CA that signed the broker's certificate (default: $${TLS_ENV.ca}, else Node's CAs)`,
    )
    .option(
      '--tls-cert <file>',
      `amqps://: PEM file of a client certificate, for brokers that require one (default: $${TLS_ENV.cert})`,
    )
    .option(
      '--tls-key <file>',
      `amqps://: PEM file of the client certificate's key (default: $${TLS_ENV.key}); ` +
        `the passphrase of an encrypted key is read from $${TLS_ENV.passphrase} only`,
    )
    .option(
      '--tls-servername <name>',
      `amqps://: the name the broker's certificate must carry (default: $${TLS_ENV.servername}, else the URL's host)`,
    );
}

/**
 * The `tls` option of these flags and environment variables, with the files read: undefined when none is
 * set. Errors name the flag and the file, never a key or the passphrase.
 * @throws CliError (exit code 2) for an unreadable or non-PEM file, a certificate without its key (or the
 * reverse), or TLS settings for a URL that is not amqps://
 */
export function tlsFromFlags(
  flags: TlsFlags,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): TlsOptions | undefined {
  const setting = (flag: string | undefined, name: string): string | undefined =>
    flag ?? (env[name] === '' ? undefined : env[name]);
  const caFile = setting(flags.tlsCa, TLS_ENV.ca);
  const certFile = setting(flags.tlsCert, TLS_ENV.cert);
  const keyFile = setting(flags.tlsKey, TLS_ENV.key);
  const servername = setting(flags.tlsServername, TLS_ENV.servername);
  // The passphrase belongs to the key: set on its own (an environment shared with plain amqp:// runs),
  // it means nothing and is not a reason to refuse.
  const passphrase = keyFile === undefined ? undefined : setting(undefined, TLS_ENV.passphrase);
  if ([caFile, certFile, keyFile, servername].every((value) => value === undefined))
    return undefined;
  if (!url.startsWith('amqps:')) {
    throw new CliError(
      `TLS settings (--tls-* or $CELERIAC_TLS_*) apply only to amqps:// URLs, and the broker is ${redactUrl(url)}`,
      2,
    );
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new CliError(
      certFile === undefined
        ? `--tls-key (or $${TLS_ENV.key}) needs --tls-cert (or $${TLS_ENV.cert}): the key of which certificate?`
        : `--tls-cert (or $${TLS_ENV.cert}) needs --tls-key (or $${TLS_ENV.key}): a client certificate needs its key`,
      2,
    );
  }
  return {
    ...(caFile !== undefined ? { ca: readPem('--tls-ca', caFile) } : {}),
    ...(certFile !== undefined ? { cert: readPem('--tls-cert', certFile) } : {}),
    ...(keyFile !== undefined ? { key: readPem('--tls-key', keyFile) } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(servername !== undefined ? { servername } : {}),
  };
}

/** A PEM file's text; the error names the flag and the path, never what the file holds. */
function readPem(flag: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    const code = (err as { code?: unknown } | null)?.code;
    throw new CliError(
      `cannot read the ${flag} file ${file}: ${typeof code === 'string' ? code : 'unreadable'}`,
      2,
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw new CliError(`the ${flag} file ${file} is not PEM (no -----BEGIN line)`, 2);
  }
  return text;
}
