import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { parseScheduleFile } from './schedule-file.js';

describe('parseScheduleFile', () => {
  it("reads Celery's beat_schedule shape: seconds, cron strings, args, kwargs and options", () => {
    const [every, nightly] = parseScheduleFile(
      JSON.stringify({
        'add-every-30-seconds': { task: 'tasks.add', schedule: 30, args: [16, 16] },
        nightly: {
          task: 'reports.nightly',
          schedule: '0 3 * * *',
          kwargs: { full: true },
          options: { queue: 'reports', routing_key: 'reports', priority: 5, expires: 600 },
          timezone: 'Europe/Paris',
          missed: 'skip',
        },
      }),
      'beat.json',
    );
    expect(every).toMatchObject({
      name: 'add-every-30-seconds',
      task: 'tasks.add',
      schedule: { kind: 'interval', everyMs: 30_000, anchorMs: 0 },
      args: [16, 16],
      missed: 'once',
      expires: 'next-tick',
    });
    expect(nightly).toMatchObject({
      schedule: { kind: 'cron', expression: '0 3 * * *', timezone: 'Europe/Paris' },
      kwargs: { full: true },
      route: { queue: 'reports', routingKey: 'reports' },
      priority: 5,
      expires: 600,
      missed: 'skip',
    });
  });

  it('takes a wrapping { beat_schedule, timezone }, the zone being every cron entry’s default', () => {
    const [entry] = parseScheduleFile(
      JSON.stringify({
        timezone: 'Asia/Tokyo',
        beat_schedule: { a: { task: 't', schedule: '*/10 * * * * *' } },
      }),
      'beat.json',
    );
    expect(entry?.schedule).toEqual({
      kind: 'cron',
      expression: '*/10 * * * * *',
      timezone: 'Asia/Tokyo',
    });
  });

  it('fails naming the file and the field', () => {
    const fail = (text: string): string => {
      try {
        parseScheduleFile(text, 'beat.json');
      } catch (err: unknown) {
        expect(err).toBeInstanceOf(InvalidOptionsError);
        return (err as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(fail('{nope')).toContain('beat.json');
    expect(fail('{"a":{"task":"t","schedule":"61 * * * *"}}')).toContain('beat.json: a.schedule');
    expect(fail('{"a":{"task":"t","schedule":"* * * * *","timezone":"Mars/Base"}}')).toContain(
      'a.schedule',
    );
    expect(fail('{"a":{"task":"t","schedule":5,"options":{"queu":"x"}}}')).toContain(
      'did you mean',
    );
    expect(fail('{"a":{"task":"t","schedule":5,"missed":"twice"}}')).toContain(
      "'skip', 'once' or 'all'",
    );
  });
});
