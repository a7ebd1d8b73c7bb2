import { FrozenMap } from './frozen-map.js';

describe('FrozenMap', () => {
  const map = new FrozenMap([
    ['a', 1],
    ['b', 2],
  ]);

  it('reads like a Map, in insertion order', () => {
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(1);
    expect(map.has('c')).toBe(false);
    expect([...map]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect([...map.keys()]).toEqual(['a', 'b']);
    expect([...map.values()]).toEqual([1, 2]);
    expect([...map.entries()]).toEqual([...map]);
    const seen: [string, number][] = [];
    map.forEach((value, key, self) => {
      seen.push([key, value]);
      expect(self).toBe(map);
    });
    expect(seen).toEqual([...map]);
  });

  it('cannot be changed', () => {
    expect(Object.isFrozen(map)).toBe(true);
    expect('set' in map).toBe(false);
    expect(() => Map.prototype.set.call(map, 'c', 3)).toThrow(TypeError);
    const entry = map.entries().next().value;
    if (entry) entry[1] = 99;
    expect(map.get('a')).toBe(1);
  });

  it('does not keep a reference to the entries it was given', () => {
    const source = new Map([['a', 1]]);
    const copy = new FrozenMap(source);
    source.set('b', 2);
    expect(copy.has('b')).toBe(false);
  });
});
