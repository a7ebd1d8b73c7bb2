import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { checkKnownKeys } from './known-keys.js';
import { checkBoolean, isArray, isPlainObject } from './option-checks.js';

/** PEM text, or its bytes. */
export type PemInput = string | Buffer;

/**
 * TLS settings of `amqps://` connections (`TaskQueueOptions.tls`), handed to Node's `tls.connect` through
 * amqplib's socket options. The broker's certificate is always verified unless `rejectUnauthorized` is
 * `false`; its name is checked against `servername`, else the URL's host name.
 */
export interface TlsOptions {
  /**
   * CA certificate(s) that signed the broker's certificate (PEM), instead of Node's bundled public CAs.
   * @defaultValue Node's bundled CAs
   */
  ca?: PemInput | readonly PemInput[];
  /** Client certificate (PEM), for brokers that require one (`fail_if_no_peer_cert`). Needs `key`. */
  cert?: PemInput;
  /** The client certificate's private key (PEM). Needs `cert`. */
  key?: PemInput;
  /** Passphrase of an encrypted `key`. Never logged. */
  passphrase?: string;
  /**
   * Name the broker's certificate must carry (and the SNI name sent). Set it when the URL names the
   * broker by IP address or by a name its certificate does not list.
   * @defaultValue the URL's host name
   */
  servername?: string;
  /**
   * Verify the broker's certificate. `false` accepts any certificate, which defeats TLS: for tests only.
   * @defaultValue `true`
   */
  rejectUnauthorized?: boolean;
}

/** `tls` after `resolveOptions()`: exactly what goes into the socket options, frozen. */
export type ResolvedTlsOptions = Readonly<{
  ca?: readonly PemInput[];
  cert?: PemInput;
  key?: PemInput;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}>;

const TLS_KEYS = ['ca', 'cert', 'key', 'passphrase', 'servername', 'rejectUnauthorized'];

/**
 * Checks the `tls` option. Error messages name the field and the kind of value, never the value: a key
 * or passphrase must not reach a log.
 *
 * @param urls - the resolved broker URLs: TLS settings without an `amqps://` URL would be ignored silently
 * @returns null when `tls` is not given
 * @throws InvalidOptionsError naming `tls.<field>`
 */
export function resolveTls(value: unknown, urls: readonly string[]): ResolvedTlsOptions | null {
  if (value === undefined) return null;
  if (!isPlainObject(value)) {
    throw new InvalidOptionsError('tls', `must be an object, got ${kind(value)}`);
  }
  checkKnownKeys('tls', value, TLS_KEYS);
  if (!urls.some((url) => url.startsWith('amqps:'))) {
    throw new InvalidOptionsError(
      'tls',
      'is set but no url is amqps://: TLS settings apply only to amqps:// URLs',
    );
  }
  const ca = value['ca'] === undefined ? undefined : pemList('tls.ca', value['ca']);
  const cert = optionalPem('tls.cert', value['cert']);
  const key = optionalPem('tls.key', value['key']);
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidOptionsError(
      cert === undefined ? 'tls.cert' : 'tls.key',
      'must be given together with tls.' +
        (cert === undefined ? 'key' : 'cert') +
        ' (a client certificate needs its key)',
    );
  }
  const passphrase = optionalString('tls.passphrase', value['passphrase']);
  const servername = optionalString('tls.servername', value['servername']);
  const rejectUnauthorized = checkBoolean(
    'tls.rejectUnauthorized',
    value['rejectUnauthorized'] ?? true,
  );
  return Object.freeze({
    ...(ca ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(servername !== undefined ? { servername } : {}),
    rejectUnauthorized,
  });
}

/** The socket options amqplib passes to `tls.connect` for these settings (none without `tls`). */
export function tlsSocketOptions(tls: ResolvedTlsOptions | null): Record<string, unknown> {
  if (tls === null) return {};
  return { ...tls, ...(tls.ca ? { ca: [...tls.ca] } : {}) };
}

function pemList(field: string, value: unknown): readonly PemInput[] {
  const list = isArray(value) ? value : [value];
  if (list.length === 0) throw new InvalidOptionsError(field, 'must name at least one certificate');
  return Object.freeze(list.map((item, i) => pem(isArray(value) ? `${field}[${i}]` : field, item)));
}

function optionalPem(field: string, value: unknown): PemInput | undefined {
  return value === undefined ? undefined : pem(field, value);
}

function pem(field: string, value: unknown): PemInput {
  if (Buffer.isBuffer(value) && value.length > 0) return value;
  if (typeof value === 'string' && value.includes('-----BEGIN ')) return value;
  throw new InvalidOptionsError(
    field,
    `must be PEM text (-----BEGIN …) or a Buffer of it, got ${kind(value)}` +
      (typeof value === 'string' ? ' without a PEM header (a file path? read the file first)' : ''),
  );
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new InvalidOptionsError(field, `must be a non-empty string, got ${kind(value)}`);
}

/** What a value is, without showing it. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}
