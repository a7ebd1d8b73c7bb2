import {
  type AccessRequest,
  CSRF_HEADER,
  decideAccess,
  isLoopbackAddress,
  isLoopbackHost,
} from './dashboard-access.js';

const TOKEN = 'secret-token';
const local = (
  extra: Partial<AccessRequest> = {},
  headers: Record<string, string> = {},
): AccessRequest => ({
  method: 'GET',
  remoteAddress: '127.0.0.1',
  ...extra,
  headers: { host: '127.0.0.1:3000', ...headers },
});
const guarded = { guarded: true, readOnly: false, csrfToken: TOKEN };
const unguarded = { guarded: false, readOnly: false, csrfToken: TOKEN };

describe('the dashboard access rules', () => {
  it('without a guard: reads from this machine only, never an action', () => {
    expect(decideAccess(local(), unguarded)).toEqual({ ok: true });
    expect(
      decideAccess(
        local({ remoteAddress: '::ffff:127.0.0.1' }, { host: 'localhost:3000' }),
        unguarded,
      ).ok,
    ).toBe(true);
    expect(
      decideAccess(local({ remoteAddress: '::1' }, { host: '[::1]:3000' }), unguarded).ok,
    ).toBe(true);
    expect(decideAccess(local({ remoteAddress: '10.0.0.5' }), unguarded)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideAccess(local({}, { 'x-forwarded-for': '198.51.100.1' }), unguarded).ok).toBe(
      false,
    );
    expect(decideAccess(local({}, { forwarded: 'for=198.51.100.1' }), unguarded).ok).toBe(false);
    expect(decideAccess(local({}, { host: 'evil.example' }), unguarded).ok).toBe(false);
    const action = decideAccess(local({ method: 'POST' }, { [CSRF_HEADER]: TOKEN }), unguarded);
    expect(action).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/read-only/) as unknown,
    });
  });

  it('guarded: any address the guards let through, actions with the token from the same origin', () => {
    const remote = { remoteAddress: '203.0.113.4', method: 'POST' };
    const headers = { host: 'ops.example.com', [CSRF_HEADER]: TOKEN };
    expect(
      decideAccess(local({ remoteAddress: '203.0.113.4' }, { host: 'ops.example.com' }), guarded)
        .ok,
    ).toBe(true);
    expect(decideAccess(local(remote, headers), guarded).ok).toBe(true);
    expect(
      decideAccess(local(remote, { ...headers, origin: 'https://ops.example.com' }), guarded).ok,
    ).toBe(true);
    expect(
      decideAccess(local(remote, { ...headers, origin: 'https://evil.example' }), guarded),
    ).toMatchObject({
      ok: false,
      reason: 'cross-origin action refused',
    });
    expect(
      decideAccess(local(remote, { ...headers, 'sec-fetch-site': 'cross-site' }), guarded).ok,
    ).toBe(false);
    // Behind a reverse proxy that passes the host it was asked for.
    const proxied = {
      host: 'app:3000',
      'x-forwarded-host': 'ops.example.com',
      [CSRF_HEADER]: TOKEN,
    };
    expect(
      decideAccess(local(remote, { ...proxied, origin: 'https://ops.example.com' }), guarded).ok,
    ).toBe(true);
    expect(
      decideAccess(local(remote, { ...proxied, origin: 'https://evil.example' }), guarded).ok,
    ).toBe(false);
    expect(decideAccess(local(remote, { host: 'ops.example.com' }), guarded).ok).toBe(false);
    expect(
      decideAccess(local(remote, { ...headers, [CSRF_HEADER]: 'secret-tokeN' }), guarded).ok,
    ).toBe(false);
    expect(decideAccess(local({ ...remote, method: 'DELETE' }, headers), guarded).ok).toBe(false);
  });

  it('readOnly refuses actions even to the guarded', () => {
    const decision = decideAccess(local({ method: 'POST' }, { [CSRF_HEADER]: TOKEN }), {
      ...guarded,
      readOnly: true,
    });
    expect(decision).toMatchObject({
      ok: false,
      reason: 'the dashboard is read-only (readOnly: true)',
    });
  });

  it('knows loopback addresses and host names', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '1270.0.0.1', undefined])
      expect(isLoopbackAddress(address)).toBe(false);
    for (const host of [
      'localhost',
      'LOCALHOST:3000',
      'app.localhost',
      '127.0.0.1:80',
      '[::1]:3000',
    ])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['localhost.evil.example', 'example.com', '[::2]'])
      expect(isLoopbackHost(host)).toBe(false);
  });
});
