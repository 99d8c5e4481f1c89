// RESTHeart's proxies (`proxies`): a location forwarded to one or more HTTP servers, behind
// docrest's authentication and ACL. As RESTHeart does, the client's Authorization header is not
// forwarded, and the authenticated account goes as X-Forwarded-Account-Id and one
// X-Forwarded-Account-Roles line per role; a client's own copies of those headers are always
// dropped (RESTHeart drops them only for authenticated requests). Bodies stream both ways with
// backpressure; hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded in either direction.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../errors.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ServiceResponse } from '../http/response.ts';
import type { Service } from '../http/service-registry.ts';
import type { ProxySettings } from './config.ts';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization'];
const ACCOUNT_ID = 'x-forwarded-account-id';
const ACCOUNT_ROLES = 'x-forwarded-account-roles';
/** never forwarded from the client: its credentials for docrest, and the account headers docrest sets */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'authorization', ACCOUNT_ID, ACCOUNT_ROLES]);

/** Failures that happened before the target took the request: another target may be tried. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNECT_TIMEOUT']);
const IDLE = 'EIDLE_TIMEOUT';

/** The hop-by-hop names of a message: the fixed ones and those its Connection header lists. */
function hopByHop(headers: IncomingMessage['headers']): Set<string> {
  const out = new Set(HOP_BY_HOP);
  const c = headers.connection;
  for (const v of Array.isArray(c) ? c : c ? [c] : []) for (const n of v.split(',')) if (n.trim()) out.add(n.trim().toLowerCase());
  return out;
}

function codeOf(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

class Proxy {
  private next = 0;
  /** target index → until when (ms) it is passed over */
  private readonly troubled = new Map<number, number>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  private readonly s: ProxySettings;
  private readonly bodyLimit: number;
  private readonly authCookie: string;

  constructor(s: ProxySettings, bodyLimit: number, authCookie: string) {
    this.s = s;
    this.bodyLimit = bodyLimit;
    this.authCookie = authCookie;
  }

  service(): Service {
    return {
      name: this.s.name, uri: this.s.location, matchPolicy: 'PREFIX', secured: true,
      // the body goes to the target as it arrives (413 past docrest.max-file-size, as uploads)
      streamRequestBody: { limit: this.bodyLimit },
      handle: (ex) => this.handle(ex),
    };
  }

  /** Round-robin over the targets, passing over those that recently could not be reached while others are left. */
  private order(): number[] {
    const n = this.s.targets.length;
    const first = this.next;
    this.next = (this.next + 1) % n;
    const now = Date.now();
    const all = Array.from({ length: n }, (_, k) => (first + k) % n);
    const healthy = all.filter((i) => (this.troubled.get(i) ?? 0) <= now);
    return [...healthy, ...all.filter((i) => !healthy.includes(i))];
  }

  private async handle(ex: Exchange): Promise<ServiceResponse> {
    const body = ex.headers['content-length'] !== undefined ? ex.headers['content-length'] !== '0' : ex.headers['transfer-encoding'] !== undefined;
    // a request whose body was sent cannot be replayed to another target
    const order = body ? this.order().slice(0, 1) : this.order();
    let failure: unknown;
    for (const i of order) {
      try {
        const res = await this.forward(ex, i, body);
        this.troubled.delete(i);
        return this.answer(ex, res);
      } catch (e) {
        if (!UNREACHABLE.has(codeOf(e) ?? '')) throw this.httpError(e);
        this.troubled.set(i, Date.now() + this.s.problemServerRetryMs);
        failure = e;
      }
    }
    throw this.httpError(failure);
  }

  private httpError(e: unknown): HttpError {
    if (e instanceof HttpError) return e;
    const where = `the server behind ${this.s.location}`;
    if (codeOf(e) === IDLE) return new HttpError(504, `${where} did not answer within ${this.s.idleTimeoutMs} ms`);
    return new HttpError(502, `${where} could not be reached (${codeOf(e) ?? 'connection failed'})`);
  }

  /** Sends the request to target i; resolves with its response once the status line and headers are in. */
  private forward(ex: Exchange, i: number, body: boolean): Promise<IncomingMessage> {
    const target = this.s.targets[i]!;
    const https = target.protocol === 'https:';
    const rest = this.s.location === '/' ? ex.path : ex.path.slice(this.s.location.length);
    const path = `${target.pathname.replace(/\/+$/, '')}${rest}` || '/';
    const query = [target.search.slice(1), ex.query].filter(Boolean).join('&');
    const req: ClientRequest = (https ? httpsRequest : httpRequest)({
      protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || undefined,
      method: ex.method, path: query ? `${path}?${query}` : path, headers: this.requestHeaders(ex, target),
      agent: https ? this.httpsAgent : this.httpAgent,
    });
    return new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      // after the response, a failure reaches the response's reader (pipeline in answer)
      req.on('error', reject);
      req.once('socket', (socket: Socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECT_TIMEOUT' })), this.s.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.setTimeout(this.s.idleTimeoutMs, () => req.destroy(Object.assign(new Error('idle timeout'), { code: IDLE })));
      // the client going away stops the exchange with the target
      ex.res.once('close', () => {
        if (!ex.res.writableFinished) req.destroy();
      });
      if (!body) {
        req.end();
        return;
      }
      pipeline(ex.requestStream(), req).catch((e: unknown) => req.destroy(e as Error));
    });
  }

  private requestHeaders(ex: Exchange, target: URL): OutgoingHttpHeaders {
    const drop = hopByHop(ex.headers);
    const h: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(ex.headers)) {
      if (v === undefined || k.startsWith(':') || NOT_FORWARDED.has(k) || drop.has(k)) continue;
      h[k] = v;
    }
    // docrest's auth cookie is a credential for docrest, like Authorization: the target never sees it
    if (typeof h.cookie === 'string') {
      const kept = h.cookie.split(';').filter((c) => c.trim().split('=', 1)[0] !== this.authCookie).join(';').trim();
      if (kept) h.cookie = kept;
      else delete h.cookie;
    }
    h.host = this.s.rewriteHostHeader ? target.host : (ex.headers.host ?? target.host);
    const xff = ex.headers['x-forwarded-for'];
    h['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${ex.remoteIp}` : ex.remoteIp;
    h['x-forwarded-proto'] = ex.scheme;
    if (ex.headers.host !== undefined) h['x-forwarded-host'] = ex.headers.host;
    const port = ex.raw.socket?.localPort;
    if (port !== undefined) h['x-forwarded-port'] = String(port);
    const account = ex.account;
    if (account) {
      h[ACCOUNT_ID] = account.name;
      if (account.roles.length) h[ACCOUNT_ROLES] = [...account.roles];
    }
    return h;
  }

  /** The target's response as it comes: status, its end-to-end headers (docrest's CORS headers win), the body streamed. */
  private answer(ex: Exchange, upstream: IncomingMessage): ServiceResponse {
    return {
      kind: 'takeover',
      run: async ({ res }) => {
        const drop = hopByHop(upstream.headers);
        const h: OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(upstream.headers)) {
          if (v !== undefined && !drop.has(k) && !res.hasHeader(k)) h[k] = v;
        }
        const status = upstream.statusCode ?? 502;
        res.writeHead(status, h);
        if (ex.method === 'HEAD' || status === 204 || status === 304) {
          upstream.resume();
          res.end();
          return;
        }
        try {
          await pipeline(upstream, res);
        } catch {
          // the client went away or the target stopped (idle timeout): both ends are closed, the client sees the body cut
          res.destroy();
        }
      },
    };
  }
}

/** `authCookie`: the name of docrest's auth cookie (authCookieSetter), never forwarded. */
export function proxyServices(list: readonly ProxySettings[], bodyLimit: number, authCookie: string): Service[] {
  return list.map((s) => new Proxy(s, bodyLimit, authCookie).service());
}
