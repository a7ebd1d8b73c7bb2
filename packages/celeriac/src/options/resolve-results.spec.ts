import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveResults } from './resolve-results.js';

describe('resolveResults', () => {
  it('defaults to rpc://, a day of expiry, 10 000 tracked results and a 5-minute get()', () => {
    expect(resolveResults({})).toEqual({
      backend: { kind: 'rpc' },
      expires: 86_400,
      extended: false,
      maxTracked: 10_000,
      timeoutMs: 300_000,
    });
  });

  it('takes a redis:// or rediss:// URL as it is written', () => {
    expect(resolveResults({ resultBackend: 'redis://127.0.0.1:6379/3' }).backend).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379/3',
    });
    expect(resolveResults({ resultBackend: 'rediss://h:6380' }).backend.kind).toBe('redis');
  });

  it('refuses other backends without showing the password', () => {
    expect(() => resolveResults({ resultBackend: 'cache+memory://' })).toThrow(InvalidOptionsError);
    const err = (() => {
      try {
        resolveResults({ resultBackend: 'mongodb://u:secret@h/db' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toContain('resultBackend');
    expect(err?.message).not.toContain('secret');
  });

  it('accepts 0 as "no expiry" and "no default timeout", and refuses negatives', () => {
    expect(resolveResults({ resultExpires: 0, resultTimeoutMs: 0 })).toMatchObject({
      expires: 0,
      timeoutMs: 0,
    });
    expect(() => resolveResults({ resultExpires: -1 })).toThrow(/resultExpires/);
    expect(() => resolveResults({ maxTrackedResults: 0 })).toThrow(/maxTrackedResults/);
    expect(() => resolveResults({ resultExtended: 'yes' as unknown as boolean })).toThrow(
      /resultExtended/,
    );
  });
});
