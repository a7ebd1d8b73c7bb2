import { decodeTaskHeaders } from './decode-task-headers.js';

const PROTOCOL = { id: 'id-1', task: 'demo.task', lang: 'py', retries: 0, timelimit: [null, null] };

function extraOf(headers: Record<string, unknown>): Record<string, unknown> {
  const result = decodeTaskHeaders(headers);
  if (!result.ok) throw new Error(`expected headers to decode, got ${result.reason}`);
  return result.fields.extraHeaders;
}

describe('decodeTaskHeaders: extraHeaders', () => {
  it('is empty when only protocol headers came', () => {
    expect(extraOf({ ...PROTOCOL })).toEqual({});
  });

  it('keeps every other header as received, in order, and no protocol one', () => {
    const extra = extraOf({ 'x-tenant': 'acme', ...PROTOCOL, stamps: {}, 'x-attempt': 3 });
    expect(extra).toEqual({ 'x-tenant': 'acme', stamps: {}, 'x-attempt': 3 });
    expect(Object.keys(extra)).toEqual(['x-tenant', 'stamps', 'x-attempt']);
  });

  it('returns a copy, not the table', () => {
    const headers = { ...PROTOCOL, 'x-tenant': 'acme' };
    const extra = extraOf(headers);
    extra['x-tenant'] = 'other';
    expect(headers['x-tenant']).toBe('acme');
  });

  it('keeps a __proto__ header as a plain key, without touching the copy’s prototype', () => {
    const headers: Record<string, unknown> = { ...PROTOCOL };
    Object.defineProperty(headers, '__proto__', {
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const extra = extraOf(headers);
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
    expect(Object.keys(extra)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value).toEqual({ polluted: true });
    expect((extra as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('ignores inherited keys: only the table’s own headers count', () => {
    const headers = Object.create({ inherited: 1 }) as Record<string, unknown>;
    Object.assign(headers, PROTOCOL, { own: 2 });
    expect(extraOf(headers)).toEqual({ own: 2 });
  });
});
