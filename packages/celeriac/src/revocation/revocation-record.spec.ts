import { decodeRecord, encodeRecord, MAX_RECORD_BYTES } from './revocation-record.js';

const AT = Date.parse('2026-11-27T10:00:00.000Z');

describe('revocation records', () => {
  it('round-trips a revoke record as persistent JSON', () => {
    const encoded = encodeRecord({
      kind: 'revoke',
      ids: ['a', 'b'],
      terminate: true,
      reason: 'duplicate order',
      at: AT,
      origin: 'gen1@host',
    });
    expect(encoded.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    expect(JSON.parse(encoded.content.toString('utf8'))).toEqual({
      kind: 'revoke',
      ids: ['a', 'b'],
      terminate: true,
      reason: 'duplicate order',
      at: '2026-11-27T10:00:00.000Z',
      origin: 'gen1@host',
    });
    expect(decodeRecord(encoded.content)).toEqual({
      ok: true,
      record: {
        kind: 'revoke',
        ids: ['a', 'b'],
        terminate: true,
        reason: 'duplicate order',
        at: AT,
        origin: 'gen1@host',
      },
    });
  });

  it('round-trips a sync marker', () => {
    const encoded = encodeRecord({ kind: 'sync', marker: 'm-1', at: AT });
    expect(decodeRecord(encoded.content)).toEqual({
      ok: true,
      record: { kind: 'sync', marker: 'm-1', at: AT },
    });
  });

  it('reads a revoke record without reason or origin', () => {
    const body = { kind: 'revoke', ids: ['a'], terminate: false, at: '2026-11-27T10:00:00Z' };
    expect(decodeRecord(Buffer.from(JSON.stringify(body)))).toEqual({
      ok: true,
      record: { kind: 'revoke', ids: ['a'], terminate: false, reason: null, at: AT, origin: '' },
    });
  });

  it.each([
    ['not JSON', '{', /bad-json/],
    ['a list', '[]', /not a JSON object/],
    ['no date', '{"kind":"sync","marker":"m"}', /"at"/],
    ['an unknown kind', '{"kind":"purge","at":"2026-11-27T10:00:00Z"}', /unknown "kind"/],
    ['no ids', '{"kind":"revoke","ids":[],"terminate":false,"at":"2026-11-27T10:00:00Z"}', /"ids"/],
    [
      'a number as id',
      '{"kind":"revoke","ids":[1],"terminate":false,"at":"2026-11-27T10:00:00Z"}',
      /"ids"/,
    ],
    [
      'a string terminate',
      '{"kind":"revoke","ids":["a"],"terminate":"yes","at":"2026-11-27T10:00:00Z"}',
      /"terminate"/,
    ],
    ['an empty marker', '{"kind":"sync","marker":"","at":"2026-11-27T10:00:00Z"}', /"marker"/],
    [
      'a __proto__ key',
      '{"kind":"sync","marker":"m","at":"2026-11-27T10:00:00Z","__proto__":{"x":1}}',
      /forbidden-key/,
    ],
  ])('refuses %s, saying why', (_, body, detail) => {
    const decoded = decodeRecord(Buffer.from(body));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.detail).toMatch(detail);
  });

  it('refuses a body above the size cap before parsing it', () => {
    const decoded = decodeRecord(Buffer.alloc(MAX_RECORD_BYTES + 1, 0x20));
    expect(decoded).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/oversize/) as string,
    });
  });
});
