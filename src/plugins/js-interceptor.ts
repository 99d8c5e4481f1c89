// A plugin interceptor module (RESTHeart's JS interceptor: `options`, `resolve(req)` and
// `handle(req, res)`) as an interceptor of the registry. pluginClass picks the services it sees:
// MongoInterceptor the MongoDB API, WildcardInterceptor all, the others every service but the
// MongoDB API (RESTHeart's String/Json/Bson/ByteArray interceptors see services of their kind).
import { HttpError } from '../errors.ts';
import type { Interceptor } from '../http/interceptors.ts';
import type { Exchange } from '../http/exchange.ts';
import type { InterceptorOptions, PluginClass } from './api.ts';
import { runBounded, runSync, type PluginContext } from './context.ts';
import { interceptorResponse, pendingHeaders, viewOf } from './view.ts';

export type InterceptorModule = {
  options: InterceptorOptions;
  resolve: (req: unknown) => unknown;
  handle: (req: unknown, res: unknown) => unknown;
};

export const PLUGIN_CLASSES: readonly PluginClass[] = ['StringInterceptor', 'JsonInterceptor', 'BsonInterceptor', 'ByteArrayInterceptor', 'MongoInterceptor', 'WildcardInterceptor'];

/** RESTHeart's fully qualified names are accepted too (org.restheart.plugins.MongoInterceptor). */
export function pluginClassOf(v: unknown): PluginClass | undefined {
  if (v === undefined) return 'StringInterceptor';
  const name = typeof v === 'string' ? v.replace(/^org\.restheart\.plugins\./, '') : undefined;
  if (name === 'WildCardInterceptor' || name === 'WildCardJSInterceptor') return 'WildcardInterceptor';
  return PLUGIN_CLASSES.find((c) => c === name);
}

function seesService(cls: PluginClass): (ex: Exchange) => boolean {
  if (cls === 'WildcardInterceptor') return () => true;
  if (cls === 'MongoInterceptor') return (ex) => ex.mongo !== undefined;
  return (ex) => ex.service.name !== 'mongo';
}

export function jsInterceptor(mod: InterceptorModule, ctx: PluginContext): Interceptor {
  const { options } = mod;
  const interceptPoint = options.interceptPoint ?? 'REQUEST_AFTER_AUTH';
  const sees = seesService(pluginClassOf(options.pluginClass)!);
  const readOnly = interceptPoint === 'RESPONSE_ASYNC';
  return {
    name: options.name,
    interceptPoint,
    priority: options.priority,
    resolve(ex) {
      if (!sees(ex)) return false;
      const r = runSync(ctx, () => mod.resolve(viewOf(ex).request));
      if (typeof r !== 'boolean') {
        ctx.log.error({ plugin: ctx.name, file: ctx.file }, `resolve() returned ${r instanceof Promise ? 'a Promise' : typeof r}, not a boolean`);
        throw new HttpError(500, 'Error handling the request, see log for more information');
      }
      return r;
    },
    handle: (ex) => runBounded(ctx, () => mod.handle(viewOf(ex).request, interceptorResponse(ex, readOnly))),
  };
}

/**
 * Headers a request-point interceptor set without answering go on the response of whichever
 * service answers (a plugin service's own answer already has them).
 */
export const pendingHeadersInterceptor: Interceptor = {
  name: 'docrest-plugin-pending-headers',
  interceptPoint: 'RESPONSE',
  priority: Number.MIN_SAFE_INTEGER,
  resolve: (ex) => pendingHeaders(ex) !== undefined && ex.response !== undefined && ex.response.kind !== 'takeover',
  handle(ex) {
    const r = ex.response!;
    if (r.kind !== 'takeover') ex.response = { ...r, headers: { ...pendingHeaders(ex), ...r.headers } };
  },
};
