// The http stage and the request pipeline:
//   parse → service lookup (+ its init) → REQUEST_BEFORE_AUTH → security → REQUEST_AFTER_AUTH →
//   service → RESPONSE → send (CORS on every response) → RESPONSE_ASYNC.
// One catch-all fastify route; docrest routes by itself (service-registry.ts) so that CORS,
// OPTIONS and errors are handled identically on every path, including paths matching nothing.
// Upgrade requests (WebSocket) to a service that accepts them take the same pipeline.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyContentTypeParser, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Engine } from '../engine/types.ts';
import { HttpError, badRequest } from '../errors.ts';
import { parseJsonMode, renderJson, type JsonMode } from '../json/render.ts';
import type { Security } from '../security/security.ts';
import type { Settings } from '../settings.ts';
import { Cors, type PreflightKind } from './cors.ts';
import { errorBody, toHttpError } from './error-reply.ts';
import { Exchange } from './exchange.ts';
import { InterceptorRegistry, type Interceptor } from './interceptors.ts';
import type { UpgradeHandler } from './listeners.ts';
import { readBody } from './request-body.ts';
import { JSON_TYPE, end, endEncoded, writeStream, type OutHeaders, type ServiceResponse } from './response.ts';
import { sendJsonArray } from './json-array.ts';
import { schemeResolver } from './scheme.ts';
import { ServiceRegistry, type Service } from './service-registry.ts';
import { builtinServices } from './services.ts';
import { metrics } from '../metrics/service.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const DOCUMENT_TYPES = new Set(['DOCUMENT', 'FILE', 'SCHEMA']);

export interface ServerOptions {
  logLevel?: string;
  /** the listeners' servers (src/http/listeners.ts); fastify's own http server otherwise */
  serverFactory?: FastifyServerFactory;
  /** services registered after the built-in ones (plugins; tests) */
  services?: Service[];
  interceptors?: Interceptor[];
}

/** `.`/`..` segments (also percent-encoded) would let ACL path rules and routing disagree. */
function hasDotSegment(path: string): boolean {
  if (!path.includes('.') && !path.includes('%')) return false;
  return path.split('/').some((seg) => {
    const s = seg.replaceAll(/%2e/gi, '.');
    return s === '.' || s === '..';
  });
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export interface HttpServer {
  app: FastifyInstance;
  log: Logger;
  services: ServiceRegistry;
  interceptors: InterceptorRegistry;
  upgrade: UpgradeHandler;
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
    frameworkErrors: (err, req, reply) => {
      reply.hijack();
      sendError(req.raw, reply.raw, err, 'default');
    },
  });

  const services = new ServiceRegistry();
  for (const s of builtinServices(settings, engine, security, () => services.list())) services.register(s);
  const metered = settings.metrics.enabled ? metrics(settings.metrics) : undefined;
  if (metered) services.register(metered.service);
  const requestMetrics = metered?.requests;
  for (const s of opts.services ?? []) services.register(s);
  const interceptors = new InterceptorRegistry();
  for (const i of opts.interceptors ?? []) interceptors.register(i);

  // a service with streamRequestBody reads the body itself: it is left unread here
  app.removeAllContentTypeParsers();
  const parseBody: FastifyContentTypeParser = (req, payload, done) => {
    const streams = services.lookup(pathOf(req.url))?.streamRequestBody;
    if (streams && (streams.when?.(req.raw) ?? true)) return done(null, undefined);
    readBody(payload, settings.maxBodySize, done);
  };
  // fastify 5 caches the parser it found for a Content-Type except for the catch-all, and parses
  // the header again for every request that falls to it: ~4% of a PATCH's CPU (profiled)
  app.addContentTypeParser('application/json', parseBody);
  app.addContentTypeParser('*', parseBody);

  const cors = new Cors(settings.cors);
  const logError = (e: unknown) => log.error(e);
  const schemeOf = schemeResolver(settings.trustedProxies);
  const hostFallback = `${settings.host}:${settings.port}`;

  /** An error as a response; X-Powered-By only when the request got past security, never on 401/403 (RESTHeart). */
  function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, jsonMode: JsonMode, poweredBy = false): void {
    const e = toHttpError(err, logError);
    if (res.headersSent) {
      // a stream failed half-way: the client sees the connection end early
      res.destroy();
      return;
    }
    const h: OutHeaders = { ...cors.response(req.headers.origin) };
    if (poweredBy && e.status !== 401 && e.status !== 403) h['x-powered-by'] = 'restheart.org';
    Object.assign(h, e.headers);
    h['content-type'] = JSON_TYPE;
    end(res, e.status, h, e.noBody || e.status === 304 ? undefined : renderJson(errorBody(e), jsonMode));
  }

  function send(ex: Exchange, h: OutHeaders, r: ServiceResponse): void | Promise<void> {
    const res = ex.res;
    switch (r.kind) {
      case undefined: case 'json': {
        h['content-type'] = r.contentType ?? JSON_TYPE;
        if (r.headers) Object.assign(h, r.headers);
        if (r.body === undefined || ex.method === 'HEAD' || r.status === 304) return end(res, r.status, h, undefined);
        const mode = ex.mongo?.params.jsonMode ?? ex.jsonMode;
        // a page of documents, an aggregation's output: large ones stream (json-array.ts)
        if (Array.isArray(r.body) && r.body.length > 1) {
          return sendJsonArray(res, r.status, h, r.body, mode)?.catch((e: unknown) => {
            // the client went away (or a rendering failed) after the answer began: the connection ends early
            if (!res.writableFinished) log.debug({ err: e, path: ex.path }, 'JSON array response ended early');
            res.destroy();
          });
        }
        return endEncoded(res, r.status, h, renderJson(r.body, mode));
      }
      case 'bytes': {
        h['content-type'] = r.contentType;
        if (r.headers) Object.assign(h, r.headers);
        if (ex.method === 'HEAD' || r.status === 304) return end(res, r.status, h, undefined);
        return endEncoded(res, r.status, h, r.body);
      }
      case 'stream': {
        h['content-type'] = r.contentType;
        if (r.headers) Object.assign(h, r.headers);
        return writeStream(res, h, r).catch((e: unknown) => {
          // the client went away (the source is destroyed with it) or the source failed
          if (!res.writableFinished) log.debug({ err: e, path: ex.path }, 'stream response ended early');
          res.destroy();
        });
      }
      case 'takeover': {
        const takeover = { req: ex.raw, res, socket: ex.raw.socket, head: ex.upgradeHead, upgrade: ex.upgrade };
        if (!ex.upgrade) {
          for (const k in h) res.setHeader(k, h[k]!);
          // a failure before anything is written is answered like any error (sendError)
          return r.run(takeover);
        }
        // the socket is the service's now: a failure can only close it
        res.detachSocket(ex.raw.socket);
        const failed = (e: unknown) => {
          logError(e);
          ex.raw.socket.destroy();
        };
        try {
          const running = r.run(takeover);
          return running instanceof Promise ? running.catch(failed) : undefined;
        } catch (e) {
          return failed(e);
        }
      }
    }
  }

  async function pipeline(ex: Exchange): Promise<void> {
    const h: OutHeaders = { ...cors.response(ex.headers.origin) };
    let poweredBy = false;
    try {
      if (settings.forceGzip && !/\b(gzip|deflate)\b/.test(String(ex.headers['accept-encoding'] ?? ''))) {
        throw badRequest('Accept-Encoding must include gzip or deflate');
      }
      if (hasDotSegment(ex.path)) throw badRequest('illegal path: . and .. segments are not allowed');
      const service = ex.service;
      const initialized = service.init?.(ex);
      if (initialized) await initialized;
      if (interceptors.beforeAuth.length !== 0) await interceptors.run(interceptors.beforeAuth, ex, true);
      if (ex.response === undefined) {
        ex.account = await security.check(ex);
        if (ex.method === 'OPTIONS') {
          const kind: PreflightKind = ex.mongo && DOCUMENT_TYPES.has(ex.mongo.resource.type) ? 'document' : 'default';
          Object.assign(h, cors.preflight(kind));
          return end(ex.res, 200, h, undefined);
        }
      }
      if (settings.xPoweredBy) {
        h['x-powered-by'] = 'restheart.org';
        poweredBy = true;
      }
      if (interceptors.afterAuth.length !== 0 && ex.response === undefined) await interceptors.run(interceptors.afterAuth, ex, true);
      ex.response ??= await service.handle(ex);
      if (interceptors.response.length !== 0) await interceptors.run(interceptors.response, ex, false);
      const sent = send(ex, h, ex.response);
      if (sent !== undefined) await sent;
    } catch (err) {
      return sendError(ex.raw, ex.res, err, ex.jsonMode, poweredBy);
    }
    if (interceptors.responseAsync.length !== 0) interceptors.runAsync(ex, logError);
  }

  /** The Exchange of a request, its path routed to a service; undefined when it was answered already (an error). */
  function exchange(raw: IncomingMessage, res: ServerResponse, body: Buffer | undefined, upgradeHead?: Buffer): Exchange | undefined {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    // for error bodies; the MongoDB API parses its own parameters
    const jsonMode = query.includes('jsonMode') ? parseJsonMode(new URLSearchParams(query).get('jsonMode') ?? undefined) : 'default';
    try {
      // HTTP/2 names the host :authority; Location, /ping and security predicates read Host
      if (raw.headers.host === undefined && raw.headers[':authority'] !== undefined) raw.headers.host = String(raw.headers[':authority']);
      const service = services.lookup(path);
      // the mongo service at / takes every path no other service does
      if (!service) throw new HttpError(404, `no service is bound to ${path}`);
      return new Exchange(raw, res, body, path, query, jsonMode, schemeOf(raw), service, hostFallback, upgradeHead);
    } catch (e) {
      sendError(raw, res, e, jsonMode);
      return undefined;
    }
  }

  /** The pipeline, timed by requestsMetricsCollector when it is on (src/metrics/requests.ts). */
  function run(ex: Exchange): Promise<void> {
    if (requestMetrics === undefined) return pipeline(ex);
    const start = performance.now();
    return pipeline(ex).then(() => requestMetrics.record(ex.method, ex.path, ex.upgrade ? 101 : ex.res.statusCode, start));
  }

  app.route({
    method: [...METHODS], url: '/*',
    handler: (req, reply) => {
      reply.hijack();
      const ex = exchange(req.raw, reply.raw, req.body as Buffer | undefined);
      return ex ? run(ex) : undefined;
    },
  });
  app.setErrorHandler((err, req, reply) => {
    reply.hijack();
    sendError(req.raw, reply.raw, err, 'default');
  });

  const upgrade: UpgradeHandler = {
    accepts: (req) => services.lookup(pathOf(req.url ?? '/'))?.acceptsUpgrade === true,
    handle(req, socket, head) {
      // a response on the socket for whatever does not take it over (401, 403, errors); then the connection closes
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.on('finish', () => {
        res.detachSocket(socket as Socket);
        socket.end();
      });
      socket.on('error', () => socket.destroy());
      const ex = exchange(req, res, undefined, head);
      if (ex) void run(ex);
    },
  };
  return { app, log, services, interceptors, upgrade };
}
