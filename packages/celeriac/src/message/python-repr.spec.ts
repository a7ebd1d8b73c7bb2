import {
  argsRepr,
  kwargsRepr,
  pythonRepr,
  pythonStringRepr,
  REPR_MAX_LENGTH,
} from './python-repr.js';

describe('python-repr', () => {
  it('writes args as a Python tuple, like Celery argsrepr', () => {
    expect(argsRepr([])).toBe('()');
    expect(argsRepr([4])).toBe('(4,)');
    expect(argsRepr([2, 3])).toBe('(2, 3)');
    expect(argsRepr([1.5, -7, 1e21, 0])).toBe('(1.5, -7, 1e+21, 0)');
    expect(argsRepr([1, 2, 3, 4, 5])).toBe('(1, 2, 3, 4, 5)');
    expect(argsRepr([Number.NaN])).toBe('(nan,)');
    expect(argsRepr(['x'])).toBe("('x',)");
    expect(argsRepr([null, true, false, 2.5, [1, 'a'], { k: 1 }])).toBe(
      "(None, True, False, 2.5, [1, 'a'], {'k': 1})",
    );
  });

  it('writes kwargs as a Python dict and elides containers deeper than three levels', () => {
    // Exactly what Celery 5.2 sent in the task_kwargs_unicode fixture.
    expect(
      kwargsRepr({
        value: {
          text: 'héllo ✓ 日本 😀',
          list: [1, 2.5, null, true, false],
          nested: { empty: [] },
        },
      }),
    ).toBe(
      "{'value': {'text': 'héllo ✓ 日本 😀', 'list': [1, 2.5, None, True, False], 'nested': {'empty': [...]}}}",
    );
    expect(kwargsRepr({})).toBe('{}');
  });

  it('quotes and escapes strings like Python', () => {
    expect(pythonStringRepr("it's")).toBe('"it\'s"');
    expect(pythonStringRepr('say "hi"')).toBe('\'say "hi"\'');
    expect(pythonStringRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pythonStringRepr('a\\b\n\t\r\u0001')).toBe("'a\\\\b\\n\\t\\r\\x01'");
    expect(pythonStringRepr('\ud800')).toBe("'\\ud800'");
  });

  it('writes non-finite numbers and undefined like Python', () => {
    expect(pythonRepr([Number.NaN, Infinity, -Infinity, undefined])).toBe('[nan, inf, -inf, None]');
  });

  it('cuts at 1024 characters with a trailing ...', () => {
    const repr = argsRepr(['x'.repeat(5000)]);
    expect(repr).toHaveLength(REPR_MAX_LENGTH);
    expect(repr.startsWith("('xxx")).toBe(true);
    expect(repr.endsWith('...')).toBe(true);
  });

  it('never splits a surrogate pair when cutting', () => {
    // "(" + "'" + 510 × 😀 (2 UTF-16 units each): the cut lands inside a pair.
    const repr = argsRepr(['😀'.repeat(600)], 1024);
    expect(repr.endsWith('...')).toBe(true);
    expect(repr.length).toBeLessThanOrEqual(1024);
    // A lone surrogate would not survive a UTF-8 round trip.
    expect(Buffer.from(repr, 'utf8').toString('utf8')).toBe(repr);
  });

  it('shows cycles instead of looping', () => {
    const a: unknown[] = [1];
    a.push(a);
    expect(pythonRepr(a)).toBe('[1, [...]]');
  });
});
