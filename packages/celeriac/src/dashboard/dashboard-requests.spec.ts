import { readRateLimit, readReplay, readRevoke, readTaskQuery } from './dashboard-requests.js';

describe('the dashboard API’s request readers', () => {
  it('reads a task search', () => {
    expect(readTaskQuery({ q: 'emails', state: 'FAILURE', limit: '20' })).toEqual({
      ok: true,
      value: { text: 'emails', state: 'FAILURE', limit: 20 },
    });
    expect(readTaskQuery({ state: '' })).toEqual({ ok: true, value: { limit: 100 } });
    expect(readTaskQuery({ state: 'DONE' }).ok).toBe(false);
    expect(readTaskQuery({ limit: '0' }).ok).toBe(false);
    expect(readTaskQuery({ limit: '5000' }).ok).toBe(false);
  });

  it('reads a rate limit in Celery’s forms', () => {
    for (const rate of ['10/s', '100/m', '5/h', '2', '0.5/s', '0']) {
      expect(readRateLimit({ task: 'emails.send', rateLimit: rate }).ok).toBe(true);
    }
    for (const rate of ['fast', '10/d', '-1', '', 10]) {
      expect(readRateLimit({ task: 'emails.send', rateLimit: rate }).ok).toBe(false);
    }
    expect(readRateLimit({ task: 'a b', rateLimit: '1/s' }).ok).toBe(false);
    expect(readRateLimit({ task: 'x', rateLimit: '1/s', worker: 'w1@host' })).toEqual({
      ok: true,
      value: { task: 'x', rateLimit: '1/s', worker: 'w1@host' },
    });
  });

  it('reads revoke and replay bodies', () => {
    expect(readRevoke(undefined)).toEqual({ ok: true, value: { terminate: false } });
    expect(readRevoke({ terminate: true })).toEqual({ ok: true, value: { terminate: true } });
    expect(readRevoke({ terminate: 'yes' }).ok).toBe(false);
    expect(readReplay({})).toEqual({ ok: true, value: { ids: null } });
    expect(readReplay({ ids: ['a', 'b'] })).toEqual({ ok: true, value: { ids: ['a', 'b'] } });
    expect(readReplay({ ids: [] }).ok).toBe(false);
    expect(readReplay({ ids: [1] }).ok).toBe(false);
  });
});
