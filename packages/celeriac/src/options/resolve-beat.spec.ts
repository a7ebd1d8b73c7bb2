import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveOptions } from './resolve-options.js';

describe('resolveOptions: beat', () => {
  it('applies the defaults', () => {
    const { beat } = resolveOptions({});
    expect(beat.prefix).toBe('celeriac.beat');
    expect(beat.pulseIntervalMs).toBe(1_000);
    expect(beat.leaseMs).toBe(3_000);
    expect(beat.schedule.size).toBe(0);
  });

  it('resolves every kind of schedule', () => {
    const { beat } = resolveOptions({
      beat: {
        schedule: {
          interval: { task: 't', schedule: 0.5 },
          anchored: { task: 't', schedule: { every: 60, from: '2026-01-01T00:00:30Z' } },
          cron: { task: 't', schedule: { cron: '0 0 * * *', timezone: 'Europe/Paris' } },
          once: { task: 't', schedule: { at: new Date(5_000) }, options: { expires: false } },
        },
      },
    });
    expect(beat.schedule.get('interval')?.schedule).toEqual({
      kind: 'interval',
      everyMs: 500,
      anchorMs: 0,
    });
    expect(beat.schedule.get('anchored')?.schedule).toEqual({
      kind: 'interval',
      everyMs: 60_000,
      anchorMs: Date.parse('2026-01-01T00:00:30Z'),
    });
    expect(beat.schedule.get('cron')?.schedule).toEqual({
      kind: 'cron',
      expression: '0 0 * * *',
      timezone: 'Europe/Paris',
    });
    expect(beat.schedule.get('once')?.schedule).toEqual({ kind: 'once', atMs: 5_000 });
    expect(beat.schedule.get('once')?.expires).toBeNull();
  });

  it.each([
    [{ leaseMs: 1_000 }, 'beat.leaseMs'],
    [{ schedule: { a: { task: '', schedule: 1 } } }, 'beat.schedule.a.task'],
    [{ schedule: { a: { task: 't', schedule: -1 } } }, 'beat.schedule.a.schedule'],
    [{ schedule: { a: { task: 't', schedule: 'every day' } } }, 'beat.schedule.a.schedule'],
    [
      { schedule: { a: { task: 't', schedule: 1, options: { headers: { id: 'x' } } } } },
      'beat.schedule.a.options.headers.id',
    ],
    [
      { schedule: { a: { task: 't', schedule: 1, options: { priority: 300 } } } },
      'beat.schedule.a.options.priority',
    ],
    [{ schedule: { a: { task: 't', schedule: 1, maxCatchUp: 0 } } }, 'beat.schedule.a.maxCatchUp'],
  ])('refuses %j, naming %s', (beat, field) => {
    expect(() => resolveOptions({ beat: beat })).toThrow(InvalidOptionsError);
    try {
      resolveOptions({ beat: beat });
    } catch (err: unknown) {
      expect((err as InvalidOptionsError).field).toBe(field);
    }
  });
});
