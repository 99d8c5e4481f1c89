// The client's transport: one fetch per call, the caller's authentication (Basic, a JWT from
// /token renewed before it expires, a given token, or the browser's auth cookie), Extended JSON in
// both directions (jsonMode=extended, so that every value comes back exact), and every non-2xx
// answer thrown as a typed DocrestError with RESTHeart's error body.
import { EJSON, MAXKEY, MINKEY, ObjectId, type Codec } from './ejson.ts';
import { errorOf, type ErrorBody } from './errors.ts';

export type Auth =
  /** Basic on every request; with `useToken`, a JWT from GET /token instead, renewed before it expires */
  | { username: string; password: string; useToken?: boolean }
  /** a JWT (Bearer), e.g. one the application got elsewhere; renewed with GET /token?renew when `renew` */
  | { token: string; renew?: boolean }
  /** the auth cookie a browser keeps (Client.loginWithCookie): requests are sent with credentials */
  | { cookie: true };

export interface ClientOptions {
  /** the server, e.g. http://localhost:8080 */
  url: string;
  auth?: Auth;
  /** db name → request path of the database when the mongo-mounts are not `*` at `/` (e.g. RESTHeart's default: {restheart: '/'}) */
  mounts?: Record<string, string>;
  /** the fetch to use (default: globalThis.fetch) */
  fetch?: typeof fetch;
  /** how values are sent and read (default: the built-in Extended JSON codec) */
  codec?: Codec;
  /** headers sent with every request */
  headers?: Record<string, string>;
  /** uri of the token service (default /token) */
  tokenUri?: string;
  /** a JWT is renewed this long before it expires (default 30 s) */
  tokenRenewMarginMs?: number;
}

export type QueryValue = string | number | boolean | undefined | null | string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** a value, sent as Extended JSON */
  body?: unknown;
  /** a body sent as it is (FormData, bytes) */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** statuses answered without throwing (e.g. 404 of updateOne: nothing matched) */
  accept?: number[];
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  /** the decoded body; undefined when empty */
  body: T;
  etag: string | undefined;
  location: string | undefined;
}

interface Token {
  value: string;
  /** ms since epoch (expires_in of /token, else the JWT's exp); Infinity when unknown */
  expiresAt: number;
}


function utf8Base64(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The `exp` claim of a JWT, in ms; Infinity when it has none or is not a JWT. */
function jwtExpiry(token: string): number {
  try {
    const payload = token.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/');
    const exp = (JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '='))) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}

export class Transport {
  readonly base: string;
  readonly codec: Codec;
  private readonly fetchFn: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly tokenUri: string;
  private readonly renewMarginMs: number;
  private auth: Auth | undefined;
  private token: Token | undefined;
  private tokenPending: Promise<Token> | undefined;
  readonly mounts: Record<string, string>;

  constructor(o: ClientOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.codec = o.codec ?? EJSON;
    this.fetchFn = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = o.headers ?? {};
    this.tokenUri = o.tokenUri ?? '/token';
    this.renewMarginMs = o.tokenRenewMarginMs ?? 30_000;
    this.mounts = o.mounts ?? {};
    this.setAuth(o.auth);
  }

  setAuth(auth: Auth | undefined): void {
    this.auth = auth;
    this.token = auth && 'token' in auth ? { value: auth.token, expiresAt: jwtExpiry(auth.token) } : undefined;
    this.tokenPending = undefined;
  }

  /** The current JWT, if the client uses one. */
  get currentToken(): string | undefined {
    return this.token?.value;
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (Array.isArray(v)) for (const x of v) q.append(k, x);
      else q.append(k, v === true ? '' : String(v));
    }
    const qs = q.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  private async fetchToken(renew: boolean): Promise<Token> {
    const a = this.auth;
    let authorization: string;
    if (a && 'username' in a) authorization = `Basic ${utf8Base64(`${a.username}:${a.password}`)}`;
    else if (this.token) authorization = `Bearer ${this.token.value}`;
    else throw new TypeError('no credentials to get a token with');
    const res = await this.send('GET', this.url(this.tokenUri, { renew, jsonMode: 'extended' }), { Authorization: authorization }, undefined, undefined);
    const body = (await this.read(res, 'GET', this.tokenUri)) as { access_token: string; expires_in?: number };
    return { value: body.access_token, expiresAt: typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : jwtExpiry(body.access_token) };
  }

  /** Gets (or renews) the JWT now; one request at a time however many calls wait for it. */
  async refreshToken(renew = false): Promise<string> {
    this.tokenPending ??= this.fetchToken(renew).finally(() => {
      this.tokenPending = undefined;
    });
    this.token = await this.tokenPending;
    return this.token.value;
  }

  private async authorization(): Promise<string | undefined> {
    const a = this.auth;
    if (!a || 'cookie' in a) return undefined;
    if ('username' in a && !a.useToken) return `Basic ${utf8Base64(`${a.username}:${a.password}`)}`;
    const renewable = 'username' in a || a.renew === true;
    if (!this.token || (renewable && this.token.expiresAt - Date.now() < this.renewMarginMs)) await this.refreshToken(this.token !== undefined);
    return `Bearer ${this.token!.value}`;
  }

  private send(method: string, url: string, headers: Record<string, string>, body: BodyInit | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const cookie = this.auth !== undefined && 'cookie' in this.auth;
    return this.fetchFn(url, { method, headers: { ...this.headers, ...headers }, body, signal, credentials: cookie ? 'include' : 'same-origin', redirect: 'manual' });
  }

  private async read(res: Response, method: string, path: string, accept?: number[]): Promise<unknown> {
    const text = await res.text();
    const json = /json/.test(res.headers.get('content-type') ?? '');
    let body: unknown;
    if (text !== '') body = json ? this.codec.parse(text) : text;
    if (res.status >= 400 && !accept?.includes(res.status)) {
      const errorBody = body && typeof body === 'object' && 'http status code' in body ? (body as ErrorBody) : undefined;
      throw errorOf(res.status, errorBody, method, path, res.headers.get('etag') ?? undefined);
    }
    return body;
  }

  /** Sends a request to `path` (request space, e.g. /db/coll); answers the decoded reply or throws a DocrestError. */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<Reply<T>> {
    const url = this.url(path, { ...o.query, jsonMode: 'extended' });
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    let body: BodyInit | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = this.codec.stringify(o.body);
      headers['Content-Type'] = 'application/json';
    }
    const auth = await this.authorization();
    if (auth) headers.Authorization = auth;
    let res = await this.send(method, url, headers, body, o.signal);
    const a = this.auth;
    // a token refused (expired, invalidated, server restarted with another key): once more with a new one
    if (res.status === 401 && a && 'username' in a && a.useToken) {
      await res.body?.cancel();
      headers.Authorization = `Bearer ${await this.refreshToken(false)}`;
      res = await this.send(method, url, headers, body, o.signal);
    }
    const decoded = await this.read(res, method, path, o.accept);
    return { status: res.status, headers: res.headers, body: decoded as T, etag: res.headers.get('etag') ?? undefined, location: res.headers.get('location') ?? undefined };
  }

  /** The response itself (a file's bytes, an event stream), after the same authentication and error handling. */
  async raw(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...o.headers };
    const auth = await this.authorization();
    if (auth) headers.Authorization = auth;
    const res = await this.send(method, this.url(path, { ...o.query, jsonMode: 'extended' }), headers, o.rawBody, o.signal);
    if (res.status >= 400) await this.read(res, method, path);
    return res;
  }
}

/** A document id as a path segment, and the id_type that makes the server read it back as the same value. */
export function idSegment(id: unknown): { segment: string; idType?: string } {
  if (id instanceof ObjectId) return { segment: id.hex };
  if (typeof id === 'string') {
    if (/^_(true|false|null|minkey|maxkey)$/i.test(id)) throw new TypeError(`the id ${id} cannot be addressed in a URL (the server reads it as a keyword)`);
    return /^[0-9a-fA-F]{24}$/.test(id) ? { segment: id, idType: 'STRING' } : { segment: encodeURIComponent(id) };
  }
  if (typeof id === 'number' || typeof id === 'bigint') return { segment: String(id), idType: 'NUMBER' };
  if (id instanceof Date) return { segment: String(id.getTime()), idType: 'DATE' };
  if (id === true) return { segment: '_true' };
  if (id === false) return { segment: '_false' };
  if (id === null) return { segment: '_null' };
  if (id === MINKEY) return { segment: '_MinKey' };
  if (id === MAXKEY) return { segment: '_MaxKey' };
  throw new TypeError('this id cannot be addressed in a URL: use a filter on _id');
}

/** The id of a link the server built (Location, bulk links; API.md §5). */
export function idOfLink(link: string): unknown {
  const u = new URL(link, 'http://x');
  const seg = decodeURIComponent(u.pathname.slice(u.pathname.lastIndexOf('/') + 1));
  const keyword: Record<string, unknown> = { _true: true, _false: false, _null: null, _minkey: MINKEY, _maxkey: MAXKEY };
  if (seg.toLowerCase() in keyword) return keyword[seg.toLowerCase()];
  switch (u.searchParams.get('id_type')?.toUpperCase()) {
    case 'STRING': return seg;
    case 'NUMBER': {
      const n = Number(seg);
      return Number.isSafeInteger(n) || !/^-?\d+$/.test(seg) ? n : BigInt(seg);
    }
    case 'DATE': return new Date(Number(seg));
  }
  return /^[0-9a-fA-F]{24}$/.test(seg) ? new ObjectId(seg) : seg;
}
