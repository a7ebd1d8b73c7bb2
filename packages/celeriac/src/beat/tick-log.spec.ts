import { RECORD_HEADER, TickLog } from './tick-log.js';
import { TICK_HEADERS } from './tick-message.js';

const tick = (entry: string, iso: string) => ({
  headers: { id: 'x', [TICK_HEADERS.entry]: entry, [TICK_HEADERS.scheduledAt]: iso },
  content: Buffer.from('[[],{},{}]'),
});
const record = (body: unknown) => ({
  headers: { [RECORD_HEADER]: 'x' },
  content: Buffer.from(JSON.stringify(body)),
});

describe('TickLog', () => {
  it('keeps the latest tick of each entry from tick copies and checkpoints', () => {
    const log = new TickLog();
    log.apply(tick('a', '2026-01-01T00:00:01.000Z'));
    log.apply(record({ kind: 'checkpoint', by: 'n1', at: 5, entries: { a: 0, b: 7_000 } }));
    log.apply(tick('a', '2026-01-01T00:00:02.000Z'));
    expect(log.last.get('a')).toBe(Date.parse('2026-01-01T00:00:02.000Z'));
    expect(log.last.get('b')).toBe(7_000);
    expect(log.lastLeader).toEqual({ by: 'n1', at: 5 });
    expect(log.ticksRead).toBe(2);
  });

  it('returns the nonce of a fence, so a reader knows it has caught up', () => {
    const log = new TickLog();
    expect(log.apply(record({ kind: 'fence', by: 'n', at: 1, nonce: 'abc' }))).toBe('abc');
  });

  it('ignores what it cannot read, and keeps "__proto__" an entry name', () => {
    const log = new TickLog();
    expect(
      log.apply({ headers: { [RECORD_HEADER]: 'x' }, content: Buffer.from('{nope') }),
    ).toBeNull();
    expect(log.apply({ headers: {}, content: Buffer.from('{}') })).toBeNull();
    log.apply({
      headers: { [RECORD_HEADER]: 'checkpoint' },
      content: Buffer.from(
        '{"kind":"checkpoint","by":"n","at":1,"entries":{"__proto__":3,"bad":"x"}}',
      ),
    });
    expect([...log.last.entries()]).toEqual([['__proto__', 3]]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
