import { InvalidSendOptionsError } from '../errors/invalid-send-options.error.js';
import { resolveSendOptions } from './send-options.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('resolveSendOptions', () => {
  it('has Celery defaults when nothing is given', () => {
    expect(resolveSendOptions({}, NOW)).toEqual({
      taskId: null,
      route: {},
      priority: null,
      eta: null,
      expires: null,
      headers: {},
      ignoreResult: false,
      shadow: null,
      timeLimit: { hard: null, soft: null },
    });
  });

  it('turns countdown and numeric expires into absolute times', () => {
    const r = resolveSendOptions({ countdown: 10, expires: 60 }, NOW);
    expect(r.eta?.getTime()).toBe(NOW + 10_000);
    expect(r.expires?.getTime()).toBe(NOW + 60_000);
  });

  it('accepts an eta as a Date or an ISO string, and expires as a Date', () => {
    expect(
      resolveSendOptions({ eta: '2026-11-26T12:00:05.250000+00:00' }, NOW).eta?.getTime(),
    ).toBe(NOW + 5_250);
    const at = new Date(NOW + 1_000);
    expect(resolveSendOptions({ eta: at, expires: at }, NOW).expires).toEqual(at);
  });

  it('collects routing and limits', () => {
    const r = resolveSendOptions(
      {
        queue: 'hipri',
        exchange: 'media',
        routingKey: 'media.video',
        priority: 9,
        timeLimit: 30,
        softTimeLimit: 10,
      },
      NOW,
    );
    expect(r.route).toEqual({ queue: 'hipri', exchange: 'media', routingKey: 'media.video' });
    expect(r.priority).toBe(9);
    expect(r.timeLimit).toEqual({ hard: 30, soft: 10 });
  });

  it.each([
    [{ priority: 256 }, 'priority', /0 to 255.*256/],
    [{ priority: 1.5 }, 'priority', /integer/],
    [{ countdown: 1, eta: new Date(NOW) }, 'countdown', /not both/],
    [{ countdown: Number.NaN }, 'countdown', /finite/],
    [{ eta: 'next tuesday' }, 'eta', /ISO-8601.*next tuesday/],
    [{ eta: new Date(Number.NaN) }, 'eta', /invalid Date/],
    [{ expires: Number.POSITIVE_INFINITY }, 'expires', /finite/],
    [{ headers: { task: 'other' } }, 'headers.task', /reserved/],
    [{ headers: { compression: 'zlib' } }, 'headers.compression', /reserved/],
    [{ taskId: '' }, 'taskId', /non-empty/],
    [{ timeLimit: -1 }, 'timeLimit', /positive/],
    [{ queueName: 'typo' }, 'queueName', /unknown option/],
  ])('rejects %j naming %s', (options, field, message) => {
    const error = (() => {
      try {
        resolveSendOptions(options as never, NOW);
        return null;
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidSendOptionsError);
    expect((error as InvalidSendOptionsError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });
});
