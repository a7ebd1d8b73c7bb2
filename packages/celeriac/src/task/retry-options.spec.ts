import { InvalidRetryOptionsError } from '../errors/invalid-retry-options.error.js';
import { checkRetryOptions, type RetryOptions } from './retry-options.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('checkRetryOptions', () => {
  it('reads countdown, eta (Date or ISO string), exc and maxRetries', () => {
    expect(checkRetryOptions({ countdown: 0.2 })).toEqual({
      countdown: 0.2,
      eta: null,
      maxRetries: undefined,
    });
    expect(checkRetryOptions({ eta: '2026-01-01T00:00:30Z' }).eta?.getTime()).toBe(NOW + 30_000);
    expect(checkRetryOptions({ exc: undefined }).exc).toEqual({ value: undefined });
    expect(checkRetryOptions({}).exc).toBeUndefined();
    expect(checkRetryOptions({ maxRetries: null }).maxRetries).toBeNull();
  });

  it.each([
    [{ countdown: -1 }, 'countdown'],
    [{ countdown: Infinity }, 'countdown'],
    [{ countdown: '5' }, 'countdown'],
    [{ countdown: 1, eta: new Date() }, 'countdown'],
    [{ eta: 'tomorrow' }, 'eta'],
    [{ eta: new Date(NaN) }, 'eta'],
    [{ eta: 12 }, 'eta'],
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ maxRetries: 2.5 }, 'maxRetries'],
    [{ delay: 5 }, 'delay'],
  ])('refuses %o, naming %s', (options, field) => {
    let error: unknown;
    try {
      checkRetryOptions(options as RetryOptions);
    } catch (err: unknown) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRetryOptionsError);
    expect((error as InvalidRetryOptionsError).field).toBe(field);
  });
});
