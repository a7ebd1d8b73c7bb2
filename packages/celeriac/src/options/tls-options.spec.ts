import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveOptions } from './resolve-options.js';
import { resolveTls, tlsSocketOptions } from './tls-options.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END PRIVATE KEY-----\n';
const TLS_URL = ['amqps://u:p@rabbit:5671'];

describe('tls option', () => {
  it('is null when not given, and passes nothing to the socket', () => {
    expect(resolveTls(undefined, TLS_URL)).toBeNull();
    expect(tlsSocketOptions(null)).toEqual({});
    expect(resolveOptions({}).tls).toBeNull();
  });

  it('keeps CA, client certificate, key, server name; verifies by default', () => {
    const tls = resolveTls(
      { ca: PEM, cert: PEM, key: Buffer.from(KEY), servername: 'rabbit.internal' },
      TLS_URL,
    );
    expect(tls).toEqual({
      ca: [PEM],
      cert: PEM,
      key: Buffer.from(KEY),
      servername: 'rabbit.internal',
      rejectUnauthorized: true,
    });
    expect(Object.isFrozen(tls)).toBe(true);
    expect(tlsSocketOptions(tls)).toMatchObject({ ca: [PEM], servername: 'rabbit.internal' });
  });

  it('reaches the resolved options through TaskQueueOptions', () => {
    const resolved = resolveOptions({ url: TLS_URL, tls: { ca: [PEM, PEM] } });
    expect(resolved.tls?.ca).toHaveLength(2);
  });

  it.each([
    ['not an object', 'x', 'tls', 'must be an object'],
    ['an unknown key', { cA: PEM }, 'tls.cA', 'did you mean "ca"?'],
    ['a file path for ca', { ca: '/etc/ssl/ca.pem' }, 'tls.ca', 'a file path? read the file first'],
    ['an empty ca list', { ca: [] }, 'tls.ca', 'at least one certificate'],
    ['a cert without its key', { cert: PEM }, 'tls.key', 'given together with tls.cert'],
    ['a key without its cert', { key: KEY }, 'tls.cert', 'given together with tls.key'],
    ['an empty servername', { servername: '' }, 'tls.servername', 'non-empty string'],
    ['a string rejectUnauthorized', { rejectUnauthorized: 'no' }, 'tls.rejectUnauthorized', ''],
  ])('refuses %s', (_name, value, field, message) => {
    const err = captured(() => resolveTls(value, TLS_URL));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain(`"${field}"`);
    expect(err.message).toContain(message);
  });

  it('refuses TLS settings when no URL is amqps://, which would ignore them', () => {
    expect(captured(() => resolveTls({ ca: PEM }, ['amqp://h'])).message).toContain(
      'no url is amqps://',
    );
  });

  it('never shows a key or passphrase in its errors', () => {
    const secret = 'hunter2-passphrase';
    const keyText = 'not-a-pem-but-secret-key-material';
    for (const value of [
      { cert: PEM, key: keyText },
      { cert: PEM, key: KEY, passphrase: 42, x: secret },
      { passphrase: ['hunter2'] },
    ]) {
      const err = captured(() => resolveTls(value, TLS_URL));
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain(keyText);
      expect(err.message).not.toContain('hunter2');
    }
  });
});

function captured(fn: () => unknown): Error {
  try {
    fn();
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected a throw');
}
