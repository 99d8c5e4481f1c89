// Shared support for the black-box HTTP security tests (test/security/http-*.test.ts): requests with
// full control of the Authorization header (absent, custom) and of the request target (raw
// node:http, no dot-segment normalisation), a table-driven case runner with lazily computed
// paths/headers, JWT signing, and setup helpers (users, ACL permissions, collections).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { ADMIN, startServer, type Reply, type TestServer } from '../helpers/server.ts';

export { ADMIN, errorBody, startServer, type Reply, type TestServer } from '../helpers/server.ts';

export const REALM = 'Basic realm="RESTHeart Realm"';
export const TOKEN_REALM = 'Basic realm="RESTHeart"';
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export const EXPOSES_TOKEN_HEADERS = /(^|, )Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location(, |$)/;
export const KEY = 'test-key';

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

type Lazy<T> = T | (() => T);
const get = <T>(v: Lazy<T>): T => (typeof v === 'function' ? (v as () => T)() : v);

export interface SendOptions {
  /** Authorization header: a value, or null for no header at all. Default: admin (Basic). */
  auth?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  /** use node:http with the path sent verbatim (fetch would normalise dot segments) */
  raw?: boolean;
}

/** One request with explicit control of Authorization (null = absent). */
export async function send(srv: { url: string }, method: string, path: string, o: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  const auth = o.auth === undefined ? ADMIN : o.auth;
  if (auth !== null) headers.Authorization = auth;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  if (o.raw) return rawRequest(srv.url, method, path, headers, body);
  const res = await fetch(srv.url + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** node:http request with the request target exactly as given. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
        }
        resolve({ status: res.statusCode ?? 0, headers: h, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface Case {
  name: string;
  method: string;
  path: Lazy<string>;
  /** Authorization: a value, null = none, default admin */
  auth?: Lazy<string | null>;
  headers?: Lazy<Record<string, string>>;
  body?: Lazy<unknown>;
  raw?: boolean;
  /** exact status, or a list of acceptable statuses */
  status: number | number[];
  /** exact header values; null = header must be absent; RegExp = must match */
  expectHeaders?: Lazy<Record<string, string | RegExp | null>>;
  /** deep-equal on the parsed JSON body; '' = empty body */
  expectBody?: Lazy<unknown>;
  /** subset of the parsed body that must match */
  expectBodyPartial?: Lazy<Record<string, unknown>>;
  check?: (r: Reply, srv: TestServer) => void | Promise<void>;
  todo?: string;
}

export async function runCase(srv: TestServer, c: Case): Promise<Reply> {
  const path = get(c.path);
  const r = await send(srv, c.method, path, {
    auth: c.auth === undefined ? undefined : get(c.auth), headers: get(c.headers), body: get(c.body), raw: c.raw,
  });
  const where = `${c.method} ${path} → ${r.status} ${r.text.slice(0, 300)}`;
  if (Array.isArray(c.status)) assert.ok(c.status.includes(r.status), `status ${r.status} not in ${c.status.join('/')}: ${where}`);
  else assert.equal(r.status, c.status, where);
  for (const [h, v] of Object.entries(get(c.expectHeaders) ?? {})) {
    const got = r.headers.get(h);
    if (v === null) assert.equal(got, null, `${h} must be absent: ${where}`);
    else if (v instanceof RegExp) assert.match(got ?? '', v, `${h}: ${where}`);
    else assert.equal(got, v, `${h}: ${where}`);
  }
  const expectBody = get(c.expectBody);
  if (expectBody !== undefined) {
    if (expectBody === '') assert.equal(r.text, '', where);
    else assert.deepEqual(r.json(), expectBody, where);
  }
  const partial = get(c.expectBodyPartial);
  if (partial) {
    const b = r.json();
    for (const [k, v] of Object.entries(partial)) assert.deepEqual(b[k], v, `${k}: ${where}`);
  }
  await c.check?.(r, srv);
  return r;
}

/** Runs cases in order against one fresh server (later cases may rely on earlier ones). */
export function cases(opts: { rho?: string; setup?: (srv: TestServer) => Promise<void> }, list: Case[]): { srv: () => TestServer } {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: opts.rho });
    await opts.setup?.(srv);
  });
  after(async () => srv.close());
  for (const c of list) test(c.name, { todo: c.todo }, async () => { await runCase(srv, c); });
  return { srv: () => srv };
}

/** Setup step that must succeed. */
export async function must(srv: { url: string }, method: string, path: string, body?: unknown, ok: number[] = [200, 201]): Promise<Reply> {
  const r = await send(srv, method, path, { body });
  assert.ok(ok.includes(r.status), `setup ${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

export async function createUser(srv: { url: string }, id: string, password: string, roles: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await must(srv, 'POST', '/users', { _id: id, password, roles, ...extra });
}

export async function addPermissions(srv: { url: string }, perms: Array<Record<string, unknown>>): Promise<void> {
  for (const p of perms) await must(srv, 'POST', '/acl', p);
}

export async function createCollection(srv: { url: string }, name: string, docs: Array<Record<string, unknown>> = []): Promise<void> {
  await must(srv, 'PUT', `/${name}`);
  for (const d of docs) await must(srv, 'POST', `/${name}`, d);
}

export interface JwtOptions {
  key?: string;
  alg?: string;
  issuer?: string | null;
  audience?: string | string[];
  subject?: string | null;
  /** seconds since epoch; default now + 600 */
  exp?: number;
}

/** An HS JWT signed with `key` (default the configured test key). */
export async function signJwt(claims: Record<string, unknown>, o: JwtOptions = {}): Promise<string> {
  let j = new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' }).setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 600);
  if (o.issuer !== null) j = j.setIssuer(o.issuer ?? 'restheart.org');
  if (o.subject !== null && o.subject !== undefined) j = j.setSubject(o.subject);
  if (o.audience !== undefined) j = j.setAudience(o.audience);
  return j.sign(new TextEncoder().encode(o.key ?? KEY));
}

/** An unsigned `alg: none` JWT. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

export function jwtPayload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** Response-group CORS headers (CORS.md §3) and no X-Powered-By: what every 401/403 must carry. */
export function corsNoPoweredBy(origin?: string): Record<string, string | RegExp | null> {
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': /(^|, )Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location(, |$)/,
    'X-Powered-By': null,
  };
}
