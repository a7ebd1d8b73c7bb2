import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string, quoted', 'celery', '"celery"'],
    ['a URL, redacted', 'amqp://u:secret@h', '"amqp://u:***@h"'],
    ['a long string, cut', 'x'.repeat(100), `"${'x'.repeat(80)}…"`],
    ['a number', 1.5, '1.5'],
    ['NaN', Number.NaN, 'NaN'],
    ['a boolean', false, 'false'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a bigint', 10n, '10n'],
    ['a symbol', Symbol('s'), 'a symbol'],
    ['a function', () => 1, 'a function'],
    ['an array, by length', [1, 2], 'an array of 2 items'],
    ['an object, by kind only', { password: 'secret' }, 'an object'],
    ['a null-prototype object', Object.create(null), 'an object'],
    ['a class instance, by class', new Map(), 'a Map'],
  ])('shows %s', (_case, value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});
