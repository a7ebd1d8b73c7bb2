import { isAddressedTo } from './pidbox-listener.js';

describe("isAddressedTo: kombu's addressing of a remote-control command", () => {
  it('runs on every node without a destination or a pattern', () => {
    expect(isAddressedTo({ destination: null, pattern: null, matcher: null }, 'w1@a')).toBe(true);
  });

  it('runs only on the nodes its destination lists', () => {
    expect(isAddressedTo({ destination: ['w1@a', 'w2@a'] }, 'w2@a')).toBe(true);
    expect(isAddressedTo({ destination: ['w1@a'] }, 'w2@a')).toBe(false);
  });

  it('matches a glob pattern against the whole name', () => {
    const glob = { destination: null, pattern: 'nest-*@*', matcher: 'glob' };
    expect(isAddressedTo(glob, 'nest-1@host')).toBe(true);
    expect(isAddressedTo(glob, 'py-1@host')).toBe(false);
    expect(isAddressedTo({ pattern: 'w?.x', matcher: 'glob' }, 'w1.x')).toBe(true);
    expect(isAddressedTo({ pattern: 'w?.x', matcher: 'glob' }, 'w1-x')).toBe(false);
  });

  it('matches a pcre pattern from the start of the name', () => {
    expect(isAddressedTo({ pattern: 'nest-\\d+', matcher: 'pcre' }, 'nest-12@host')).toBe(true);
    expect(isAddressedTo({ pattern: 'nest', matcher: 'pcre' }, 'my-nest@host')).toBe(false);
    expect(isAddressedTo({ pattern: '(', matcher: 'pcre' }, 'w1@a')).toBe(false);
  });
});
