import type { AccessRequest } from './dashboard-access.js';

/** What the dashboard reads of a request, on Express (`req.socket`) and Fastify (`req.raw.socket`) alike. */
interface HttpRequestLike {
  readonly method?: string;
  readonly headers?: AccessRequest['headers'];
  readonly socket?: { readonly remoteAddress?: string };
  readonly raw?: { readonly socket?: { readonly remoteAddress?: string } };
}

/** The parts of a platform request the access rules read. */
export function accessRequestOf(request: unknown): AccessRequest {
  const req = (request ?? {}) as HttpRequestLike;
  return {
    method: req.method ?? 'GET',
    headers: req.headers ?? {},
    remoteAddress: req.socket?.remoteAddress ?? req.raw?.socket?.remoteAddress,
  };
}
