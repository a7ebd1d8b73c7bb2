import {
  encodeWithAmqplib,
  loadAmqplibCodec,
  readFieldTags,
} from '../../spec-support/celery-fixtures.js';
import { toAmqpHeaders, toHeaderValue, typedNumber } from './header-values.js';

const codec = loadAmqplibCodec();

describe('typedNumber', () => {
  it('types every integer within 32 bits as int32', () => {
    for (const n of [
      0,
      1,
      -1,
      127,
      128,
      300,
      1000,
      32767,
      32768,
      -32769,
      2 ** 31 - 1,
      -(2 ** 31),
    ]) {
      expect(typedNumber(n)).toEqual({ '!': 'int32', value: n });
    }
  });

  it('types larger non-negative integers as int64 and the rest as doubles', () => {
    expect(typedNumber(2 ** 31)).toEqual({ '!': 'int64', value: 2 ** 31 });
    expect(typedNumber(2 ** 40)).toEqual({ '!': 'int64', value: 2 ** 40 });
    expect(typedNumber(-(2 ** 31) - 1)).toEqual({ '!': 'float64', value: -(2 ** 31) - 1 });
    expect(typedNumber(2 ** 63)).toEqual({ '!': 'float64', value: 2 ** 63 });
    expect(typedNumber(2.5)).toEqual({ '!': 'float64', value: 2.5 });
    expect(typedNumber(Number.NaN)).toEqual({ '!': 'float64', value: Number.NaN });
  });
});

describe('toHeaderValue', () => {
  it('converts numbers recursively through arrays and objects', () => {
    expect(toHeaderValue({ a: [1, 'x', null, { b: 2.5 }], c: true })).toEqual({
      a: [{ '!': 'int32', value: 1 }, 'x', null, { b: { '!': 'float64', value: 2.5 } }],
      c: true,
    });
  });

  it('writes dates like Celery, undefined array items as null, and passes typed values through', () => {
    const typed = { '!': 'int8', value: 3 };
    expect(toHeaderValue([new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 6)), undefined, typed])).toEqual([
      '2030-01-02T03:04:05.006000+00:00',
      null,
      typed,
    ]);
    expect(toHeaderValue(10n)).toEqual({ '!': 'int32', value: 10 });
  });

  it('drops undefined table values and keeps a "__proto__" key a plain key', () => {
    const table = toAmqpHeaders(
      JSON.parse('{"__proto__": 1, "gone": null}') as Record<string, unknown>,
    );
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.keys(table)).toEqual(['__proto__', 'gone']);
    expect(toAmqpHeaders({ a: undefined, b: 1 })).toEqual({ b: { '!': 'int32', value: 1 } });
  });

  it('refuses values no AMQP table can hold', () => {
    expect(() => toHeaderValue(Symbol('s'))).toThrow(TypeError);
    expect(() => toHeaderValue(() => 1)).toThrow(TypeError);
    expect(() => toHeaderValue(2n ** 60n)).toThrow(TypeError);
  });
});

describe('on the wire, encoded by amqplib', () => {
  it('puts every small integer out as I, where amqplib alone would pick b or s', () => {
    const raw = { small: 5, neg: -1, medium: 300, big: 1000, list: [300, 60] };
    // Without typing amqplib picks b/s, which py-amqp misreads (celery-protocol.md §14.2).
    expect(readFieldTags(encodeWithAmqplib(codec, raw))).toEqual({
      small: 'b',
      neg: 'b',
      medium: 's',
      big: 's',
      list: { A: ['s', 'b'] },
    });
    expect(readFieldTags(encodeWithAmqplib(codec, toAmqpHeaders(raw)))).toEqual({
      small: 'I',
      neg: 'I',
      medium: 'I',
      big: 'I',
      list: { A: ['I', 'I'] },
    });
  });

  it('uses l beyond 32 bits, d for fractions and large negatives, and decodes back to the values', () => {
    const headers = toAmqpHeaders({
      huge: 2 ** 40,
      frac: 0.5,
      negHuge: -(2 ** 40),
      nested: { n: 7 },
    });
    const table = encodeWithAmqplib(codec, headers);
    expect(readFieldTags(table)).toEqual({
      huge: 'l',
      frac: 'd',
      negHuge: 'd',
      nested: { F: { n: 'I' } },
    });
    expect(codec.decodeFields(table.subarray(4))).toEqual({
      huge: 2 ** 40,
      frac: 0.5,
      negHuge: -(2 ** 40),
      nested: { n: 7 },
    });
  });
});
