// The http stage and the request pipeline: parse → CORS → security (authenticate, authorize) →
// service (api) → representation. One catch-all route; docrest routes by itself so that CORS,
// OPTIONS and errors are handled identically on every path, including paths matching nothing.
import compress from '@fastify/compress';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiResponse, MongoRequest } from '../api/context.ts';
import { MongoService } from '../api/service.ts';
import type { Engine } from '../engine/types.ts';
import { HttpError, badRequest, notImplemented } from '../errors.ts';
import { parseJsonMode, renderJson, type JsonMode } from '../json/render.ts';
import { Security } from '../security/security.ts';
import type { Settings } from '../settings.ts';
import { Cors, type PreflightKind } from './cors.ts';
import { errorBody, toHttpError } from './error-reply.ts';
import { health, ping, type ServiceReply } from './services.ts';

const JSON_TYPE = 'application/json; charset=UTF-8';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const DOCUMENT_TYPES = new Set(['DOCUMENT', 'FILE', 'SCHEMA']);
// Served by the security issue; reserved now so that no collection can shadow them later.
const SECURITY_PATHS = /^\/(token(\/.*)?|roles(\/.*)?|logout)$/;

export interface ServerOptions {
  logLevel?: string;
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

export async function buildServer(settings: Settings, engine: Engine, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: opts.logLevel ?? settings.logLevel.toLowerCase() },
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    bodyLimit: settings.maxBodySize,
    routerOptions: { maxParamLength: 10_000 },
  });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'] });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const cors = new Cors(settings.cors);
  const mongo = new MongoService(settings, engine);
  const security = new Security();
  const logError = (e: unknown) => app.log.error(e);

  function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, jsonMode: JsonMode): FastifyReply {
    const e = toHttpError(err, logError);
    reply.headers(cors.response(req.headers.origin)).headers(e.headers).code(e.status).type(JSON_TYPE);
    return reply.send(e.noBody || e.status === 304 ? '' : renderJson(errorBody(e), jsonMode));
  }

  function send(reply: FastifyReply, r: ApiResponse | ServiceReply, jsonMode: JsonMode, headOnly = false): FastifyReply {
    reply.code(r.status).type(r.contentType ?? JSON_TYPE);
    if ('headers' in r && r.headers) reply.headers(r.headers);
    return reply.send(r.body === undefined || headOnly || r.status === 304 ? '' : renderJson(r.body, jsonMode));
  }

  async function pipeline(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const method = req.method;
    const { path, query } = splitUrl(req.url);
    const jsonMode = parseJsonMode(new URLSearchParams(query).get('jsonMode') ?? undefined);
    reply.headers(cors.response(req.headers.origin));
    try {
      if (settings.forceGzip && !/\b(gzip|deflate)\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        throw badRequest('Accept-Encoding must include gzip or deflate');
      }
      const isService = path === '/ping' || path === '/health/db' || SECURITY_PATHS.test(path);
      const mongoReq: MongoRequest | undefined = isService ? undefined : mongo.parse({
        method, path, query, headers: req.headers, rawBody: req.body as Buffer | undefined,
        baseUrl: `${req.protocol}://${req.headers.host ?? `${settings.host}:${settings.port}`}`,
      });
      if (method === 'OPTIONS') {
        const kind: PreflightKind = mongoReq && DOCUMENT_TYPES.has(mongoReq.resource.type) ? 'document' : 'default';
        return reply.code(200).headers(cors.preflight(kind)).send('');
      }
      const secReq = { method, path, query, headers: req.headers };
      const account = await security.authenticate(secReq);
      await security.authorize(secReq, account);
      if (settings.xPoweredBy) reply.header('X-Powered-By', 'restheart.org');
      if (path === '/ping' && settings.ping.enabled) return send(reply, ping(settings, method, req.ip, req.headers.host), jsonMode);
      if (path === '/health/db' && settings.healthEnabled) return send(reply, await health(engine, method), jsonMode, method === 'HEAD');
      if (SECURITY_PATHS.test(path)) throw notImplemented(`${path} is served by the security layer, which is not implemented yet`);
      if (!mongoReq) throw new HttpError(502, `No MongoDB resource bound for ${path}`);
      return send(reply, await mongo.handle(mongoReq), mongoReq.params.jsonMode);
    } catch (err) {
      return sendError(req, reply, err, jsonMode);
    }
  }

  app.route({ method: [...METHODS], url: '/*', handler: pipeline });
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, 'default'));
  return app;
}
