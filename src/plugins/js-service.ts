// A plugin service module (RESTHeart's JS service: `options` and `handle(req, res)`) as a service
// of the registry. handle may be async; what it sets on `res` is the answer (200 and no body when
// it sets nothing).
import type { Service } from '../http/service-registry.ts';
import type { ServiceOpenApi } from '../openapi/description.ts';
import type { ServiceResponse } from '../http/response.ts';
import type { ServiceOptions } from './api.ts';
import { runBounded, type PluginContext } from './context.ts';
import { Response } from './response.ts';
import { viewOf } from './view.ts';

export type ServiceModule = { options: ServiceOptions; handle: (req: unknown, res: unknown) => unknown };

export function jsService(mod: ServiceModule, ctx: PluginContext): Service {
  const { options } = mod;
  return {
    name: options.name,
    uri: options.uri,
    matchPolicy: options.matchPolicy ?? 'PREFIX',
    secured: options.secured ?? false,
    ...(options.openapi ? { openapi: options.openapi as ServiceOpenApi } : {}),
    async handle(ex) {
      const view = viewOf(ex);
      let answer: ServiceResponse | undefined;
      const res = new Response(ex, { get: () => answer, set: (r) => { answer = r; } }, view.pending);
      await runBounded(ctx, () => mod.handle(view.request, res));
      const { status, contentType, headers } = view.pending;
      return answer ?? { status: status ?? 200, contentType, headers: { ...headers } };
    },
  };
}
