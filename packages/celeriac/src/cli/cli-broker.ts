import amqplib, { type ChannelModel } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import { redactUrl } from '../errors/redact-url.js';
import { resolveTls, tlsSocketOptions, type TlsOptions } from '../options/tls-options.js';
import { CliError } from './cli-errors.js';
import { tlsFromFlags, type TlsFlags } from './cli-tls.js';

/** The broker a command talks to, and the TLS settings of its amqps:// URL. */
export interface BrokerTarget {
  readonly url: string;
  readonly tls?: TlsOptions;
}

/** The broker a command talks to: `--broker`, else `RABBITMQ_URL`, else RabbitMQ's local default. */
export function brokerUrl(option: string | undefined): string {
  return option ?? process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/**
 * The broker of a command's `--broker` and TLS flags (see `withTlsOptions`), the certificate files read.
 * @throws CliError for TLS settings that cannot work (see `tlsFromFlags`)
 */
export function brokerTarget(flags: { readonly broker?: string } & TlsFlags): BrokerTarget {
  const url = brokerUrl(flags.broker);
  const tls = tlsFromFlags(flags, url);
  return tls === undefined ? { url } : { url, tls };
}

/**
 * Opens a plain connection for one command. A command line fails fast: it does not wait for a broker
 * that is down, it says so.
 */
export async function connectBroker(target: BrokerTarget): Promise<ChannelModel> {
  const { url } = target;
  try {
    const socketOptions = tlsSocketOptions(resolveTls(target.tls, [url]));
    const connection = await amqplib.connect(url, { timeout: 5_000, ...socketOptions });
    connection.on('error', () => undefined);
    return connection;
  } catch (err: unknown) {
    throw new CliError(`cannot reach the broker at ${redactUrl(url)}: ${why(err)}`);
  }
}

/** Runs `work` on a connection to the broker and closes it, whatever happens. */
export async function withBroker<T>(
  target: BrokerTarget,
  work: (connection: ChannelModel) => Promise<T>,
): Promise<T> {
  const connection = await connectBroker(target);
  try {
    return await work(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** TLS failures by Node's error code: the reason, and which setting to look at. */
const TLS_HINTS: Readonly<Record<string, string>> = {
  SELF_SIGNED_CERT_IN_CHAIN: "check --tls-ca: the CA that signed the broker's certificate",
  DEPTH_ZERO_SELF_SIGNED_CERT: "check --tls-ca: the CA that signed the broker's certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "check --tls-ca: the CA that signed the broker's certificate",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "check --tls-ca: the CA that signed the broker's certificate",
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the URL's host is not a name on the broker's certificate; check the host or --tls-servername",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    'the broker requires a client certificate: --tls-cert and --tls-key',
};

/**
 * The reason of an OpenSSL error line (`…:SSL routines:ssl3_read_bytes:tlsv13 alert certificate
 * required:../deps/…:SSL alert number 116`), else the text as it is.
 */
function openSslReason(text: string): string {
  return /SSL routines:[^:]*:([^:]+):/.exec(text)?.[1] ?? text.trim();
}

function why(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused; is RabbitMQ running?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host; check the host name';
  if (code === 'ETIMEDOUT') return 'timed out; is the host reachable and the port open?';
  const text = errorMessage(err);
  if (typeof code === 'string' && TLS_HINTS[code] !== undefined) {
    return `TLS: ${openSslReason(text)}; ${TLS_HINTS[code]}`;
  }
  if (/bad decrypt/i.test(text)) {
    return `TLS: cannot decrypt the --tls-key file (${text}); check $CELERIAC_TLS_PASSPHRASE`;
  }
  if (/ACCESS_REFUSED|403/.test(text)) return 'access refused; check the user name and password';
  if (/NOT_ALLOWED|530/.test(text))
    return 'vhost not allowed; check the vhost exists and the user may use it';
  return text;
}
