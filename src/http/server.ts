// The http stage and the request pipeline: parse → CORS → security (authenticate, authorize) →
// service (api) → representation. One catch-all route; docrest routes by itself so that CORS,
// OPTIONS and errors are handled identically on every path, including paths matching nothing.
import { promisify } from 'node:util';
import { deflate, gzip } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import { pino, type Logger } from 'pino';
import type { ApiResponse, MongoRequest } from '../api/context.ts';
import { MongoService } from '../api/service.ts';
import type { Engine } from '../engine/types.ts';
import { HttpError, badRequest } from '../errors.ts';
import { parseJsonMode, renderJson, type JsonMode } from '../json/render.ts';
import { Security, type ServiceKind } from '../security/security.ts';
import type { Settings } from '../settings.ts';
import { Cors, type PreflightKind } from './cors.ts';
import { errorBody, toHttpError } from './error-reply.ts';
import { schemeResolver } from './scheme.ts';
import { health, ping } from './services.ts';

const JSON_TYPE = 'application/json; charset=UTF-8';
// Compression is done here rather than by @fastify/compress: its three hooks cost every request,
// compressed or not, ~15% of a point read. zlib runs on the thread pool, off the event loop.
const COMPRESS_THRESHOLD = 1024;
const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/** Response headers in the order they are sent (CORS first); CORS and compression use lower-case names. */
type OutHeaders = Record<string, string | number>;

/** The body as sent: compressed (a promise) when worth it and accepted, else as it is. */
function encode(h: OutHeaders, acceptEncoding: string | undefined, body: Buffer): Buffer | Promise<Buffer> {
  if (body.length < COMPRESS_THRESHOLD || !acceptEncoding) return body;
  const gz = /\bgzip\b/.test(acceptEncoding);
  if (!gz && !/\bdeflate\b/.test(acceptEncoding)) return body;
  h['content-encoding'] = gz ? 'gzip' : 'deflate';
  h.vary = typeof h.vary === 'string' && h.vary ? `${h.vary}, Accept-Encoding` : 'Accept-Encoding';
  return gz ? gzipAsync(body) : deflateAsync(body);
}

/**
 * Writes the response on node's ServerResponse: fastify's reply.send runs hooks, header and payload
 * checks that cost ~5 µs a request (measured); docrest has none of those to run.
 */
function end(reply: FastifyReply, status: number, h: OutHeaders, body: Buffer | undefined): FastifyReply {
  reply.hijack();
  const res = reply.raw;
  // no Content-Length on 204/304 and no Content-Type on 204 (RFC 9110); every other response has one
  if (status === 204) delete h['content-type'];
  else if (status !== 304) h['content-length'] = body ? body.length : 0;
  res.writeHead(status, h);
  res.end(body);
  return reply;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const DOCUMENT_TYPES = new Set(['DOCUMENT', 'FILE', 'SCHEMA']);

export interface ServerOptions {
  logLevel?: string;
  /** the listeners' servers (src/http/listeners.ts); fastify's own http server otherwise */
  serverFactory?: FastifyServerFactory;
}

function quietAuth(req: FastifyRequest, query: string): boolean {
  return req.headers['no-auth-challenge'] !== undefined || new URLSearchParams(query).has('noauthchallenge');
}

/** `.`/`..` segments (also percent-encoded) would let ACL path rules and routing disagree. */
function hasDotSegment(path: string): boolean {
  if (!path.includes('.') && !path.includes('%')) return false;
  return path.split('/').some((seg) => {
    const s = seg.replaceAll(/%2e/gi, '.');
    return s === '.' || s === '..';
  });
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

export interface HttpServer {
  app: FastifyInstance;
  log: Logger;
}

export async function buildServer(settings: Settings, engine: Engine, security: Security, opts: ServerOptions = {}): Promise<HttpServer> {
  // fastify's own logger costs a child logger per request (~3 µs of a ~30 µs request, measured);
  // docrest logs no requests, so its one logger lives beside fastify
  const level = (opts.logLevel ?? settings.logLevel).toLowerCase();
  const log = pino({ level: level === 'off' ? 'silent' : level });
  const app = Fastify({
    logger: false,
    requestIdHeader: false,
    exposeHeadRoutes: false,
    bodyLimit: settings.maxBodySize,
    ...(opts.serverFactory ? { serverFactory: opts.serverFactory } : {}),
    routerOptions: { maxParamLength: 10_000 },
    // fastify's own request errors (e.g. bad percent-encoding) get the same CORS and error body
    frameworkErrors: (err, req, reply) => sendError(req, reply, err, 'default'),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const cors = new Cors(settings.cors);
  const mongo = new MongoService(settings, engine);
  const logError = (e: unknown) => log.error(e);
  const schemeOf = schemeResolver(settings.trustedProxies);

  /** An error as a response; X-Powered-By only when the request got past security, never on 401/403 (RESTHeart). */
  function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, jsonMode: JsonMode, poweredBy = false): FastifyReply {
    const e = toHttpError(err, logError);
    const h: OutHeaders = { ...cors.response(req.headers.origin) };
    if (poweredBy && e.status !== 401 && e.status !== 403) h['x-powered-by'] = 'restheart.org';
    Object.assign(h, e.headers);
    h['content-type'] = JSON_TYPE;
    return end(reply, e.status, h, e.noBody || e.status === 304 ? undefined : Buffer.from(renderJson(errorBody(e), jsonMode)));
  }

  function send(reply: FastifyReply, h: OutHeaders, r: ApiResponse, jsonMode: JsonMode, headOnly = false): FastifyReply | Promise<FastifyReply> {
    h['content-type'] = r.contentType ?? JSON_TYPE;
    if (r.headers) Object.assign(h, r.headers);
    if (r.body === undefined || headOnly || r.status === 304) return end(reply, r.status, h, undefined);
    const body = encode(h, reply.request.headers['accept-encoding'], Buffer.from(renderJson(r.body, jsonMode)));
    return body instanceof Promise ? body.then((b) => end(reply, r.status, h, b)) : end(reply, r.status, h, body);
  }

  function serviceOf(path: string): ServiceKind {
    if (path === '/ping' && settings.ping.enabled) return 'ping';
    if (path === '/health/db' && settings.healthEnabled) return 'health';
    if (security.tokens.isTokenPath(path)) return 'token';
    if (path === '/logout') return 'logout';
    if (security.tokens.isRolesPath(path)) return 'roles';
    return 'mongo';
  }

  async function pipeline(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const method = req.method;
    const { path, query } = splitUrl(req.url);
    // for error bodies; the MongoDB API parses its own parameters
    const jsonMode = query.includes('jsonMode') ? parseJsonMode(new URLSearchParams(query).get('jsonMode') ?? undefined) : 'default';
    const h: OutHeaders = { ...cors.response(req.headers.origin) };
    let poweredBy = false;
    // HTTP/2 names the host :authority; Location, /ping and security predicates read Host
    if (req.headers.host === undefined && req.headers[':authority'] !== undefined) req.headers.host = String(req.headers[':authority']);
    const scheme = schemeOf(req.raw);
    try {
      if (settings.forceGzip && !/\b(gzip|deflate)\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        throw badRequest('Accept-Encoding must include gzip or deflate');
      }
      if (hasDotSegment(path)) throw badRequest('illegal path: . and .. segments are not allowed');
      const service = serviceOf(path);
      const mongoReq: MongoRequest | undefined = service !== 'mongo' ? undefined : mongo.parse({
        method, path, query, headers: req.headers, rawBody: req.body as Buffer | undefined,
        baseUrl: `${scheme}://${req.headers.host ?? `${settings.host}:${settings.port}`}`,
      });
      let account = await security.check({
        method, path, query, headers: req.headers, remoteIp: req.ip, secure: scheme === 'https', service, mongo: mongoReq,
      });
      if (method === 'OPTIONS') {
        const kind: PreflightKind = mongoReq && DOCUMENT_TYPES.has(mongoReq.resource.type) ? 'document' : 'default';
        Object.assign(h, cors.preflight(kind));
        return end(reply, 200, h, undefined);
      }
      if (settings.xPoweredBy) {
        h['x-powered-by'] = 'restheart.org';
        poweredBy = true;
      }
      switch (service) {
        case 'ping': return send(reply, h, ping(settings, method, req.ip, req.headers.host), jsonMode);
        case 'health': return send(reply, h, await health(engine, method), jsonMode, method === 'HEAD');
        case 'logout': return send(reply, h, security.tokens.logout(method), jsonMode);
        case 'roles': return send(reply, h, security.tokens.roles(method, path, account!), jsonMode);
        case 'token': {
          if (!account && method === 'POST' && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
            account = await security.formLogin(req.body as Buffer | undefined);
          }
          if (!account) throw new HttpError(401, '', { noBody: true, headers: quietAuth(req, query) ? {} : { 'WWW-Authenticate': 'Basic realm="RESTHeart"' } });
          return send(reply, h, await security.tokens.handle(method, path, new URLSearchParams(query), account), jsonMode);
        }
      }
      if (!mongoReq) throw new HttpError(502, `No MongoDB resource bound for ${path}`);
      const res = await mongo.handle(mongoReq);
      security.afterWrite(mongoReq);
      return send(reply, h, res, mongoReq.params.jsonMode);
    } catch (err) {
      return sendError(req, reply, err, jsonMode, poweredBy);
    }
  }

  app.route({ method: [...METHODS], url: '/*', handler: pipeline });
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, 'default'));
  return { app, log };
}
