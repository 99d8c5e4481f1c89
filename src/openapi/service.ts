// GET /_openapi.json: the OpenAPI 3.1 document of this server, generated at request time for the
// caller. Not secured (anyone may ask) but filtered: authentication runs as on every service, and
// the document lists only the resources and operations the caller's ACL allows (an anonymous
// caller sees what $unauthenticated may use, and the unsecured services).
import type { Engine } from '../engine/types.ts';
import { HttpError } from '../errors.ts';
import { JSON_TYPE } from '../http/response.ts';
import type { Service } from '../http/service-registry.ts';
import type { Security } from '../security/security.ts';
import type { Settings } from '../settings.ts';
import { buildDocument } from './document.ts';

export const OPENAPI_URI = '/_openapi.json';

export interface OpenApiDeps {
  settings: Settings;
  engine: Engine;
  security: Security;
  /** every registered service (plugins included), read at request time */
  services: () => readonly Service[];
  version: string;
}

export function openApiService(deps: OpenApiDeps): Service {
  const { settings, engine, security } = deps;
  return {
    name: 'openapi', uri: OPENAPI_URI, matchPolicy: 'EXACT', secured: false,
    async handle(ex) {
      if (ex.method !== 'GET' && ex.method !== 'HEAD') throw new HttpError(405, `method ${ex.method} not allowed`);
      const doc = await buildDocument({
        settings, engine, services: deps.services(), version: deps.version,
        permits: (method, path, type) => security.permits(ex, ex.account, method, path, type),
        authenticated: ex.account !== undefined,
        baseUrl: settings.instanceBaseUrl?.replace(/\/$/, '') ?? ex.baseUrl,
        jwt: security.jwt.enabled && security.jwt.mechanismEnabled,
        cookieName: security.authCookieName,
      });
      // plain JSON (the exact model's renderer would write integers of a schema as doubles)
      return { kind: 'bytes', status: 200, body: JSON.stringify(doc), contentType: JSON_TYPE, headers: { 'Cache-Control': 'no-store' } };
    },
  };
}
