import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-errors.js';
import { tlsFromFlags } from './cli-tls.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n-----END PRIVATE KEY-----\n';
const TLS_URL = 'amqps://user:pw@rabbit:5671/';

describe('tlsFromFlags', () => {
  let dir: string;
  const file = (name: string): string => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-tls-spec-'));
    writeFileSync(file('ca.pem'), PEM);
    writeFileSync(file('client.pem'), PEM);
    writeFileSync(file('client.key'), KEY);
    writeFileSync(file('not-pem.txt'), 'hello');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The CliError `run` throws, checked to be a usage error that shows no key. */
  function usageError(run: () => unknown): string {
    let thrown: unknown;
    try {
      run();
    } catch (err: unknown) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(2);
    expect((thrown as CliError).message).not.toContain('secret-key-bytes');
    expect((thrown as CliError).message).not.toContain('user:pw');
    return (thrown as CliError).message;
  }

  it('is undefined without any TLS flag or variable, whatever the passphrase variable holds', () => {
    expect(tlsFromFlags({}, TLS_URL, {})).toBeUndefined();
    expect(
      tlsFromFlags({}, 'amqp://localhost', { CELERIAC_TLS_PASSPHRASE: 'pass' }),
    ).toBeUndefined();
  });

  it('reads the files of the flags, and the passphrase from the environment only', () => {
    const tls = tlsFromFlags(
      {
        tlsCa: file('ca.pem'),
        tlsCert: file('client.pem'),
        tlsKey: file('client.key'),
        tlsServername: 'rabbit.internal',
      },
      TLS_URL,
      { CELERIAC_TLS_PASSPHRASE: 'pass' },
    );
    expect(tls).toEqual({
      ca: PEM,
      cert: PEM,
      key: KEY,
      passphrase: 'pass',
      servername: 'rabbit.internal',
    });
  });

  it('falls back to the CELERIAC_TLS_* variables; a flag wins over its variable', () => {
    const env = {
      CELERIAC_TLS_CA: file('not-pem.txt'),
      CELERIAC_TLS_CERT: file('client.pem'),
      CELERIAC_TLS_KEY: file('client.key'),
      CELERIAC_TLS_SERVERNAME: 'from-env',
    };
    expect(tlsFromFlags({ tlsCa: file('ca.pem') }, TLS_URL, env)).toEqual({
      ca: PEM,
      cert: PEM,
      key: KEY,
      servername: 'from-env',
    });
  });

  it('refuses TLS settings for a URL that is not amqps://, the password hidden', () => {
    expect(
      usageError(() => tlsFromFlags({ tlsCa: file('ca.pem') }, 'amqp://user:pw@rabbit/')),
    ).toBe(
      'TLS settings (--tls-* or $CELERIAC_TLS_*) apply only to amqps:// URLs, and the broker is amqp://user:***@rabbit/',
    );
  });

  it('refuses a certificate without its key and a key without its certificate', () => {
    expect(usageError(() => tlsFromFlags({ tlsCert: file('client.pem') }, TLS_URL, {}))).toMatch(
      /^--tls-cert \(or \$CELERIAC_TLS_CERT\) needs --tls-key/,
    );
    expect(usageError(() => tlsFromFlags({ tlsKey: file('client.key') }, TLS_URL, {}))).toMatch(
      /^--tls-key \(or \$CELERIAC_TLS_KEY\) needs --tls-cert/,
    );
  });

  it('names the flag and the file of a missing or non-PEM file', () => {
    expect(usageError(() => tlsFromFlags({ tlsCa: file('nope.pem') }, TLS_URL, {}))).toBe(
      `cannot read the --tls-ca file ${file('nope.pem')}: ENOENT`,
    );
    expect(usageError(() => tlsFromFlags({ tlsCa: file('not-pem.txt') }, TLS_URL, {}))).toBe(
      `the --tls-ca file ${file('not-pem.txt')} is not PEM (no -----BEGIN line)`,
    );
  });
});
