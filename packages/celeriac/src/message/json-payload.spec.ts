import { exceedsJsonDepth, parseJsonPayload } from './json-payload.js';

describe('exceedsJsonDepth', () => {
  it('counts nesting of arrays and objects', () => {
    expect(exceedsJsonDepth('[[[]]]', 3)).toBe(false);
    expect(exceedsJsonDepth('[[[[]]]]', 3)).toBe(true);
    expect(exceedsJsonDepth('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[{}]}}', 3)).toBe(true);
  });

  it('ignores brackets inside strings, including after escaped quotes', () => {
    expect(exceedsJsonDepth('["[[[[[[", "{{{{{"]', 1)).toBe(false);
    expect(exceedsJsonDepth('["\\"[[[[", "\\\\"]', 1)).toBe(false);
    expect(exceedsJsonDepth('["\\\\", [[]]]', 2)).toBe(true);
  });
});

describe('parseJsonPayload', () => {
  it('parses JSON, accepting raw UTF-8 and \\u escapes alike', () => {
    const parsed = parseJsonPayload(Buffer.from('{"a": "h\\u00e9", "b": "hé"}'));
    expect(parsed).toEqual({ ok: true, value: { a: 'hé', b: 'hé' } });
  });

  it('refuses invalid UTF-8 as bad-json', () => {
    const parsed = parseJsonPayload(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toBe('bad-json');
  });

  it('refuses NaN, which Python can write but JSON cannot carry', () => {
    const parsed = parseJsonPayload(Buffer.from('[NaN]'));
    expect(!parsed.ok && parsed.reason).toBe('bad-json');
  });

  it('refuses __proto__ and constructor.prototype keys as forbidden-key', () => {
    const proto = parseJsonPayload(Buffer.from('[{"a": {"__proto__": {"x": 1}}}]'));
    expect(!proto.ok && proto.reason).toBe('forbidden-key');
    const escaped = parseJsonPayload(Buffer.from('{"\\u005f_proto__": {}}'));
    expect(!escaped.ok && escaped.reason).toBe('forbidden-key');
    const ctor = parseJsonPayload(Buffer.from('{"constructor": {"prototype": {"x": 1}}}'));
    expect(!ctor.ok && ctor.reason).toBe('forbidden-key');
  });

  it('checks size before anything else and depth before parsing', () => {
    const big = parseJsonPayload(Buffer.from('[1, 2, 3]'), { maxPayloadBytes: 4 });
    expect(!big.ok && big.reason).toBe('oversize');
    // Invalid JSON, but too deep first: the depth scan runs before JSON.parse.
    const deep = parseJsonPayload(Buffer.from('['.repeat(100)), { maxDepth: 64 });
    expect(!deep.ok && deep.reason).toBe('too-deep');
  });
});
