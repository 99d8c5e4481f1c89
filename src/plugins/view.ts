// One request object and one set of pending response settings per exchange, shared by every
// plugin that sees the request (interceptors and the plugin service), as RESTHeart shares its
// request and response objects along the pipeline.
import type { Exchange } from '../http/exchange.ts';
import { Request } from './request.ts';
import { Response, type Pending } from './response.ts';

interface View {
  request: Request;
  pending: Pending;
}

const views = new WeakMap<Exchange, View>();

export function viewOf(ex: Exchange): View {
  let v = views.get(ex);
  if (!v) views.set(ex, (v = { request: new Request(ex), pending: { headers: {} } }));
  return v;
}

/** The response object of an interceptor: it reads and replaces ex.response. */
export function interceptorResponse(ex: Exchange, readOnly: boolean): Response {
  return new Response(ex, { get: () => ex.response, set: (r) => { ex.response = r; } }, viewOf(ex).pending, readOnly);
}

/** Headers a request-point interceptor set without answering, for a response made elsewhere. */
export function pendingHeaders(ex: Exchange): Record<string, string> | undefined {
  const h = views.get(ex)?.pending.headers;
  return h && Object.keys(h).length > 0 ? h : undefined;
}
