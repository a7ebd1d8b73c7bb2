import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './rabbit-node.js';

/** PEM texts of a throwaway PKI: a CA, a broker certificate for `localhost`, a client certificate. */
export interface TestPki {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second CA that signed nothing here: the "wrong CA" a client may be given. */
  readonly otherCa: string;
}

/** EC P-256 keys: quick to make, and Erlang 25's TLS takes them. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes the PKI with openssl in a temp directory it deletes before returning. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pki-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (args: string[]): Promise<string> => run('openssl', args, 30_000);
  try {
    for (const ca of ['ca', 'other-ca']) {
      await openssl([
        'req',
        '-x509',
        ...NEW_KEY,
        '-keyout',
        f(`${ca}.key`),
        '-out',
        f(`${ca}.pem`),
        '-days',
        '2',
        '-subj',
        `/CN=celeriac test ${ca}`,
      ]);
    }
    const sign = async (name: string, subject: string, ext: string): Promise<void> => {
      writeFileSync(f(`${name}.ext`), `${ext}\n`);
      await openssl([
        'req',
        ...NEW_KEY,
        '-keyout',
        f(`${name}.key`),
        '-out',
        f(`${name}.csr`),
        '-subj',
        subject,
      ]);
      await openssl([
        'x509',
        '-req',
        '-in',
        f(`${name}.csr`),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
        '-out',
        f(`${name}.pem`),
        '-days',
        '2',
        '-extfile',
        f(`${name}.ext`),
      ]);
    };
    await sign(
      'server',
      '/CN=localhost',
      'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth',
    );
    await sign('client', '/CN=celeriac-client', 'extendedKeyUsage=clientAuth');
    const read = (name: string): string => readFileSync(f(name), 'utf8');
    return {
      ca: read('ca.pem'),
      serverCert: read('server.pem'),
      serverKey: read('server.key'),
      clientCert: read('client.pem'),
      clientKey: read('client.key'),
      otherCa: read('other-ca.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** rabbitmq.conf lines of a TLS listener that requires a client certificate signed by the CA. */
export const TLS_LISTENER_CONF = [
  'listeners.ssl.default = 127.0.0.1:{port:tls}',
  'ssl_options.cacertfile = {dir}/ca.pem',
  'ssl_options.certfile = {dir}/server.pem',
  'ssl_options.keyfile = {dir}/server.key',
  'ssl_options.verify = verify_peer',
  'ssl_options.fail_if_no_peer_cert = true',
];
