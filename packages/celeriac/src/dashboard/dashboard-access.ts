import { timingSafeEqual } from 'node:crypto';

/** The name of the header that carries the CSRF token on every action. */
export const CSRF_HEADER = 'x-celeriac-csrf';

/** What the access rules need to know of one request. */
export interface AccessRequest {
  readonly method: string;
  /** The peer's address as the socket saw it (`::ffff:127.0.0.1`, `::1`, `10.0.0.5`). */
  readonly remoteAddress: string | undefined;
  /** Header names in lower case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Allowed, or refused with the status and the reason to show. */
export type AccessDecision =
  { readonly ok: true } | { readonly ok: false; readonly status: 403; readonly reason: string };

/** How the dashboard is set up, for the rules. */
export interface AccessPolicy {
  readonly guarded: boolean;
  readonly readOnly: boolean;
  readonly csrfToken: string;
}

const ALLOWED: AccessDecision = { ok: true };
/** Headers a reverse proxy adds: a request that went through one did not start on this machine. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The dashboard's access rules, in order:
 * 1. Unguarded, it answers only requests made on this machine: from a loopback address, to a loopback
 *    host name (so a DNS-rebinding page cannot read it), with no proxy's forwarding headers (a proxy on
 *    this machine would otherwise make every visitor look local).
 * 2. Unguarded or `readOnly`, it refuses every action.
 * 3. An action is a POST that carries the CSRF token in `x-celeriac-csrf` and, when the browser sends an
 *    `Origin`, comes from the dashboard's own origin.
 */
export function decideAccess(request: AccessRequest, policy: AccessPolicy): AccessDecision {
  if (!policy.guarded && !isLocalRequest(request)) {
    return refuse(
      'the dashboard has no guard, so it answers only on this machine (localhost); ' +
        'give TaskDashboardModule.register() a guard to open it to others',
    );
  }
  if (SAFE_METHODS.has(request.method.toUpperCase())) return ALLOWED;
  if (request.method.toUpperCase() !== 'POST') return refuse('actions are POST requests');
  if (!policy.guarded || policy.readOnly) {
    return refuse(
      policy.readOnly
        ? 'the dashboard is read-only (readOnly: true)'
        : 'the dashboard is read-only: it has no guard; give TaskDashboardModule.register() a guard to allow actions',
    );
  }
  return checkCsrf(request, policy.csrfToken);
}

/** The token must match and the browser-sent origin (if any) must be the request's own. */
export function checkCsrf(request: AccessRequest, token: string): AccessDecision {
  const sent = header(request, CSRF_HEADER);
  if (sent === undefined || !sameSecret(sent, token)) {
    return refuse(`missing or wrong CSRF token (${CSRF_HEADER} header)`);
  }
  const origin = header(request, 'origin');
  if (origin !== undefined && !ownHosts(request).includes(hostOfOrigin(origin) ?? '')) {
    return refuse('cross-origin action refused');
  }
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return refuse('cross-site action refused');
  return ALLOWED;
}

/** From a loopback address, to a loopback host, not through a proxy. */
export function isLocalRequest(request: AccessRequest): boolean {
  if (!isLoopbackAddress(request.remoteAddress)) return false;
  if (FORWARDING_HEADERS.some((name) => header(request, name) !== undefined)) return false;
  const host = header(request, 'host');
  return host !== undefined && isLoopbackHost(host);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/** `localhost`, `127.0.0.1:3000`, `[::1]:3000`... */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

/**
 * The host names the dashboard answers as: the `Host` header, and the one a reverse proxy says it was
 * asked for (`X-Forwarded-Host`), which a browser cannot set on another site's request.
 */
function ownHosts(request: AccessRequest): string[] {
  const forwarded = header(request, 'x-forwarded-host')?.split(',')[0]?.trim();
  return [header(request, 'host'), forwarded]
    .filter((host): host is string => host !== undefined && host !== '')
    .map((host) => host.toLowerCase());
}

function hostOfOrigin(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

function header(request: AccessRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function refuse(reason: string): AccessDecision {
  return { ok: false, status: 403, reason };
}
