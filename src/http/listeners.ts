// docrest's listeners (CONFIG.md §2): http-listener (HTTP/1.1), https-listener (TLS; HTTP/2 by
// ALPN with an HTTP/1.1 fallback when connection-options.ENABLE_HTTP2), both at once, all sharing
// fastify's one request handler. In workers node:cluster shares each of them.
import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { ConfigError, getBool, getNumber, getString, section, type Config } from '../config/load.ts';
import { loadTls } from './tls.ts';
import { inTurns } from './turns.ts';

export interface ListenerPlan {
  key: 'http-listener' | 'https-listener';
  scheme: 'http' | 'https';
  host: string;
  port: number;
  tls?: SecureContextOptions;
  http2: boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

// fastify's defaults, which it applies only to servers it creates itself
const KEEP_ALIVE_MS = 72_000;
/** how long close() waits for requests in flight before it drops their connections */
const CLOSE_GRACE_MS = 5000;

function port(cfg: Config, key: ListenerPlan['key'], dflt: number): number {
  const raw = section(cfg, key).port;
  const n = raw === undefined || raw === null ? dflt : getNumber(section(cfg, key), 'port', Number.NaN);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${key}.port: ${JSON.stringify(raw)} is not a port number (0-65535)`);
  return n;
}

/** The listeners the configuration enables, TLS material loaded and checked; ConfigError naming the key otherwise. */
export function planListeners(cfg: Config, warn: (m: string) => void): ListenerPlan[] {
  if (getBool(section(cfg, 'ajp-listener'), 'enabled', false)) {
    throw new ConfigError('ajp-listener.enabled: true, but docrest has no AJP listener; set it to false and let the proxy speak HTTP to http-listener or https-listener');
  }
  const plans: ListenerPlan[] = [];
  const http = section(cfg, 'http-listener');
  if (getBool(http, 'enabled', true)) {
    plans.push({ key: 'http-listener', scheme: 'http', host: getString(http, 'host', 'localhost'), port: port(cfg, 'http-listener', 8080), http2: false });
  }
  const https = section(cfg, 'https-listener');
  if (getBool(https, 'enabled', false)) {
    plans.push({
      key: 'https-listener', scheme: 'https', host: getString(https, 'host', 'localhost'), port: port(cfg, 'https-listener', 4443),
      tls: loadTls(cfg, warn), http2: getBool(section(cfg, 'connection-options'), 'ENABLE_HTTP2', true),
    });
  }
  if (plans.length === 0) throw new ConfigError('no listener is enabled: http-listener.enabled and https-listener.enabled are both false');
  return plans;
}

function listenError(plan: ListenerPlan, host: string, e: NodeJS.ErrnoException): ConfigError {
  switch (e.code) {
    case 'EADDRINUSE': return new ConfigError(`${plan.key}.port: ${plan.port} is already in use on ${host} (EADDRINUSE)`);
    case 'EACCES': return new ConfigError(`${plan.key}.port: ${plan.port} may not be bound on ${host} (EACCES: ports below 1024 need privileges)`);
    case 'EADDRNOTAVAIL': case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME':
      return new ConfigError(`${plan.key}.host: ${host} cannot be bound (${e.code}): it is not an address of this machine`);
    default: return new ConfigError(`${plan.key}: cannot listen on ${host}:${plan.port} (${e.code ?? e.message})`);
  }
}

function listenOn(server: Server, plan: ListenerPlan, host: string, p: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(listenError(plan, host, e));
    server.once('error', onError);
    server.listen({ host, port: p }, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function urlOf(plan: ListenerPlan, port: number): string {
  return `${plan.scheme}://${plan.host.includes(':') ? `[${plan.host}]` : plan.host}:${port}`;
}

/**
 * A trial bind of each fixed port, for the primary of several workers: it reports a port in use
 * before any worker starts (workers would each fail and say so).
 */
export async function probeListeners(plans: ListenerPlan[]): Promise<void> {
  for (const plan of plans.filter((p) => p.port !== 0)) {
    const server = createNetServer();
    await listenOn(server as unknown as Server, plan, plan.host, plan.port);
    await new Promise((r) => server.close(r));
  }
}

/** Upgrade requests (WebSocket): which ones are taken (node's shouldUpgradeCallback), and where they go. */
export interface UpgradeHandler {
  accepts(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export class Listeners {
  private readonly plans: ListenerPlan[];
  private readonly servers: Server[] = [];
  private handler: Handler | undefined;
  /** set once the pipeline is built; until then every Upgrade: request is a plain request */
  upgrade: UpgradeHandler | undefined;
  private readonly shouldUpgrade = (req: IncomingMessage): boolean => this.upgrade?.accepts(req) ?? false;

  constructor(plans: ListenerPlan[]) {
    this.plans = plans;
  }

  /** fastify's serverFactory: the first listener's server becomes `app.server`. */
  readonly factory = (handler: Handler): Server => {
    this.handler = inTurns(handler);
    return this.create(this.plans[0]!);
  };

  private create(plan: ListenerPlan): Server {
    const handler = this.handler!;
    let server: Server;
    if (plan.tls && plan.http2) {
      const h2 = createSecureServer({ ...plan.tls, allowHTTP1: true }, handler as never);
      h2.on('session', (session) => session.setTimeout(KEEP_ALIVE_MS, () => session.close()));
      // http2's types differ from http's, but fastify's handler serves both request kinds
      server = h2 as unknown as Server;
    } else {
      const options = { shouldUpgradeCallback: this.shouldUpgrade };
      server = plan.tls ? createHttpsServer({ ...plan.tls, ...options }, handler) : createHttpServer(options, handler);
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      server.requestTimeout = 0;
    }
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.upgrade) this.upgrade.handle(req, socket, head);
      else socket.destroy();
    });
    const first = this.servers[0];
    // fastify answers malformed requests on its own server only
    if (first) server.on('clientError', (err, socket) => first.emit('clientError', err, socket));
    this.servers.push(server);
    return server;
  }

  /** Binds every listener (for `localhost`, each of its addresses, as fastify does); returns their URLs. */
  async listen(): Promise<string[]> {
    const urls: string[] = [];
    for (const [i, plan] of this.plans.entries()) {
      const server = i === 0 ? this.servers[0]! : this.create(plan);
      const bound = await listenOn(server, plan, plan.host, plan.port);
      urls.push(urlOf(plan, bound));
      if (plan.host !== 'localhost') continue;
      const primary = (server.address() as { address: string }).address;
      for (const { address } of await lookup('localhost', { all: true }).catch(() => [])) {
        // an address the machine lacks (IPv6 switched off) is not an error, as in fastify
        if (address !== primary) await listenOn(this.create(plan), plan, address, bound).catch(() => undefined);
      }
    }
    return urls;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      // requests in flight get a grace period; a connection that never sends a request (a client
      // that gave up mid-response may leave one) would otherwise hold the close for minutes
      const force = setTimeout(() => s.closeAllConnections?.(), CLOSE_GRACE_MS).unref();
      s.close(() => {
        clearTimeout(force);
        resolve();
      });
      s.closeIdleConnections?.();
    })));
  }
}
