// The built-in services, registered like any plugin (service-registry.ts), under RESTHeart's plugin
// names: ping (/ping), database-probe (/health/db), openapi (/_openapi.json), authTokenService (/token, /token/cookie,
// /token/redirect), authCookieRemover (/logout), roles (/roles/{user}), adminUi (/_admin), and mongo — the MongoDB
// API at `/`, which resolves the mongo-mounts itself (API.md §1.2, §13); and static-resources,
// proxies and csvLoader (/csv) as configured.
import type { ApiResponse } from '../api/context.ts';
import { MongoService } from '../api/service.ts';
import { adminUiService } from '../admin/service.ts';
import type { Engine } from '../engine/types.ts';
import { HttpError } from '../errors.ts';
import { openApiService } from '../openapi/service.ts';
import type { Security } from '../security/security.ts';
import type { Settings } from '../settings.ts';
import { csvLoaderService } from '../services/csv-loader.ts';
import { proxyServices } from '../services/proxy.ts';
import { staticResourceServices } from '../services/static-resources.ts';
import type { Exchange } from './exchange.ts';
import type { Service } from './service-registry.ts';

const VERSION = '0.1.0';
const BUILD_TIME = new Date().toISOString();

export function ping(s: Settings, method: string, clientIp: string, host: string | undefined): ApiResponse {
  if (method === 'HEAD') return { status: 200 };
  if (method !== 'GET') throw new HttpError(501, `method ${method} not implemented`);
  const body: Record<string, unknown> = { message: s.ping.msg };
  if (s.ping.extended) Object.assign(body, { client_ip: clientIp, host: host ?? '', version: VERSION, build_time: BUILD_TIME });
  return { status: 200, body, contentType: 'application/json' };
}

export async function health(engine: Engine, method: string): Promise<ApiResponse> {
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `method ${method} not allowed`);
  const start = performance.now();
  try {
    await engine.ping();
  } catch (e) {
    return { status: 503, body: { status: 'error', description: `ping failed: ${(e as Error).message}` } };
  }
  const latencyMs = Math.round(performance.now() - start);
  return { status: 200, body: method === 'HEAD' ? undefined : { status: 'ok', description: 'ping successful', latencyMs } };
}

function quietAuth(ex: Exchange): boolean {
  return ex.headers['no-auth-challenge'] !== undefined || new URLSearchParams(ex.query).has('noauthchallenge');
}

/** `registered`: every service of the server once registered (plugins too), for GET /_openapi.json */
export function builtinServices(settings: Settings, engine: Engine, security: Security, registered?: () => readonly Service[]): Service[] {
  const services: Service[] = [];
  services.push(openApiService({ settings, engine, security, version: VERSION, services: () => registered?.() ?? services }));
  if (settings.ping.enabled) {
    services.push({
      name: 'ping', uri: '/ping', matchPolicy: 'EXACT', secured: false,
      handle: (ex) => ping(settings, ex.method, ex.remoteIp, ex.headers.host),
    });
  }
  if (settings.healthEnabled) {
    services.push({ name: 'database-probe', uri: '/health/db', matchPolicy: 'EXACT', secured: false, handle: (ex) => health(engine, ex.method) });
  }
  const tokens = security.tokens;
  services.push({
    name: 'authTokenService', uri: '/token', matchPolicy: 'PREFIX', secured: false,
    async handle(ex) {
      if (!tokens.isTokenPath(ex.path)) throw new HttpError(404, `no token resource at ${ex.path}`);
      let account = ex.account;
      if (!account && ex.method === 'POST' && String(ex.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        account = await security.formLogin(ex.rawBody);
      }
      if (!account) throw new HttpError(401, '', { noBody: true, headers: quietAuth(ex) ? {} : { 'WWW-Authenticate': 'Basic realm="RESTHeart"' } });
      return tokens.handle(ex.method, ex.path, new URLSearchParams(ex.query), account);
    },
  });
  services.push({ name: 'authCookieRemover', uri: '/logout', matchPolicy: 'EXACT', secured: false, handle: (ex) => tokens.logout(ex.method) });
  services.push({
    name: 'roles', uri: tokens.rolesUri, matchPolicy: 'PREFIX', secured: true,
    // security lets only an authenticated request through to /roles
    handle: (ex) => tokens.roles(ex.method, ex.path, ex.account!),
  });
  // static resources, proxies and CSV import (README): their uris win over the MongoDB mounts
  services.push(...staticResourceServices(settings.staticResources), ...proxyServices(settings.proxies, settings.maxFileSize, security.authCookieName));
  const csv = csvLoaderService(settings.csvLoader, engine, settings.maxBodySize, settings.aggregationSecurity.guarded);
  if (csv) services.push(csv);
  if (settings.adminUi.enabled) services.push(adminUiService(settings));
  const mongo = new MongoService(settings, engine);
  services.push({
    name: 'mongo', uri: '/', matchPolicy: 'PREFIX', secured: true,
    // change streams (/_streams) upgrade to WebSocket
    acceptsUpgrade: true,
    // multipart uploads to file buckets stream, up to their own limit
    streamRequestBody: { limit: settings.maxFileSize, when: (req) => mongo.streamsBody(req) },
    init(ex) {
      ex.mongo = mongo.parse(ex);
      return ex.mongo && mongo.prepare(ex.mongo, ex);
    },
    async handle(ex) {
      if (!ex.mongo) throw new HttpError(502, `No MongoDB resource bound for ${ex.path}`);
      const res = await mongo.handle(ex.mongo);
      security.afterWrite(ex.mongo);
      return res;
    },
  });
  return services;
}
