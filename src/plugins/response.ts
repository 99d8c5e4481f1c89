// The response object plugins get: RESTHeart's JS response API over docrest's ServiceResponse.
// It reads and replaces one response slot — the plugin service's own answer, or ex.response for an
// interceptor. Status, headers and content type set while there is no answer yet wait in
// `pending` and shape the answer once one is made; content (setContent, json, send) or setInError
// makes the answer, which at a request point means the service is not called.
import type { Exchange } from '../http/exchange.ts';
import { errorBody } from '../http/error-reply.ts';
import { JSON_TYPE, type ServiceResponse } from '../http/response.ts';
import { HttpError } from '../errors.ts';
import { cloneValue } from '../engine/values.ts';
import { renderJson } from '../json/render.ts';
import type { PluginResponse } from './api.ts';
import { toExact } from './data-client.ts';
import { Headers } from './headers.ts';
import { parseContent } from './request.ts';

export interface ResponseSlot {
  get(): ServiceResponse | undefined;
  set(r: ServiceResponse): void;
}

/** What a plugin set before an answer existed. */
export interface Pending {
  status?: number;
  contentType?: string;
  headers: Record<string, string>;
}

type Shaped = Exclude<ServiceResponse, { kind: 'takeover' }>;

function lower(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) out[k.toLowerCase()] = h[k]!;
  return out;
}

function statusOf(code: unknown): number {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 200 || code > 599) {
    throw new TypeError(`a status code is an integer from 200 to 599, got ${JSON.stringify(code) ?? String(code)}`);
  }
  return code;
}

/** A plugin service's JSON value: refused when it cannot be rendered (a cycle, a function). */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`setContent takes a string, bytes or a JSON value, got a ${typeof v}`);
  JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return v;
}

export class Response implements PluginResponse {
  private owned = false;
  private inError = false;

  /** `readOnly`: a RESPONSE_ASYNC interceptor's, after the response is sent */
  private readonly ex: Exchange;
  private readonly slot: ResponseSlot;
  private readonly pending: Pending;
  private readonly readOnly: boolean;
  constructor(ex: Exchange, slot: ResponseSlot, pending: Pending, readOnly = false) {
    this.ex = ex;
    this.slot = slot;
    this.pending = pending;
    this.readOnly = readOnly;
  }

  private get mongo(): boolean {
    return this.ex.mongo !== undefined;
  }

  private current(): Shaped | undefined {
    const r = this.slot.get();
    return r?.kind === 'takeover' ? undefined : r;
  }

  private writable(): void {
    if (this.readOnly) throw new Error('a RESPONSE_ASYNC interceptor runs after the response is sent and cannot change it');
  }

  private replace(r: ServiceResponse): void {
    this.writable();
    this.slot.set(r);
  }

  /** status and headers of the answer being made: the current one's, else what is pending */
  private frame(): { status: number; headers: Record<string, string>; contentType?: string } {
    const r = this.current();
    if (r) return { status: r.status, headers: { ...lower(this.pending.headers), ...lower(r.headers) }, contentType: r.contentType };
    return { status: this.pending.status ?? 200, headers: lower(this.pending.headers), contentType: this.pending.contentType };
  }

  getContent(): any {
    const r = this.current();
    if (!r) return null;
    if (r.kind === 'bytes') return typeof r.body === 'string' ? r.body : r.body.toString('utf8');
    if (r.kind === 'stream' || r.body === undefined) return null;
    if (!this.mongo) return renderJson(r.body, this.ex.mongo?.params.jsonMode ?? this.ex.jsonMode);
    if (this.owned) return r.body;
    // the engine's documents are shared (its cache): the plugin changes a copy of its own
    const body = cloneValue(r.body);
    if (!this.readOnly) {
      this.slot.set({ ...r, body });
      this.owned = true;
    }
    return body;
  }

  setContent(content: unknown): void {
    const f = this.frame();
    if (this.mongo) {
      const body = typeof content === 'string' ? parseContent(content) : toExact(jsonValue(content));
      this.replace({ kind: 'json', status: f.status, headers: f.headers, contentType: f.contentType, body: body ?? undefined });
      this.owned = true;
    } else if (typeof content === 'string' || content instanceof Uint8Array) {
      const body = typeof content === 'string' ? content : Buffer.from(content);
      const type = f.contentType ?? (typeof content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      this.replace({ kind: 'bytes', status: f.status, headers: f.headers, contentType: type, body });
    } else {
      this.replace({ kind: 'json', status: f.status, headers: f.headers, contentType: f.contentType, body: jsonValue(content ?? undefined) });
    }
  }

  json(body: unknown, status = 200): void {
    const f = this.frame();
    this.replace({ kind: 'json', status: statusOf(status), headers: f.headers, body: this.mongo ? toExact(jsonValue(body)) : jsonValue(body) });
    this.owned = true;
  }

  send(body: string | Uint8Array, status = 200): void {
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('send takes a string or bytes');
    const f = this.frame();
    const type = f.contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
    this.replace({ kind: 'bytes', status: statusOf(status), headers: f.headers, contentType: type, body: typeof body === 'string' ? body : Buffer.from(body) });
  }

  getStatusCode(): number {
    return this.current()?.status ?? this.pending.status ?? 200;
  }

  setStatusCode(code: number): void {
    const status = statusOf(code);
    this.writable();
    const r = this.current();
    if (r) this.replace({ ...r, status });
    else this.pending.status = status;
  }

  getContentType(): string | undefined {
    const r = this.current();
    if (!r) return this.pending.contentType;
    return r.contentType ?? (r.kind === 'json' || r.kind === undefined ? JSON_TYPE : undefined);
  }

  setContentType(type: string): void {
    if (typeof type !== 'string' || /[\r\n]/.test(type)) throw new TypeError('a content type is a string');
    this.writable();
    const r = this.current();
    if (r) this.replace({ ...r, contentType: type });
    else this.pending.contentType = type;
  }

  setContentTypeAsJson(): void {
    this.setContentType('application/json');
  }

  setContentTypeAsHtml(): void {
    this.setContentType('text/html; charset=utf-8');
  }

  getHeaders(): Headers {
    return new Headers({
      read: () => {
        const r = this.current();
        return r ? lower(r.headers) : this.pending.headers;
      },
      write: (name, value) => {
        this.writable();
        const r = this.current();
        const h = r ? lower(r.headers) : this.pending.headers;
        if (value === undefined) delete h[name];
        else h[name] = value;
        if (r) this.replace({ ...r, headers: h });
      },
    });
  }

  getHeader(name: string): string | undefined {
    return this.getHeaders().get(name);
  }

  setHeader(name: string, value: string): void {
    this.getHeaders().put(name, value);
  }

  setInError(code: number, message: string): void {
    const status = statusOf(code);
    const f = this.frame();
    this.replace({ kind: 'json', status, headers: f.headers, body: errorBody(new HttpError(status, String(message ?? ''))) });
    this.inError = true;
  }

  isInError(): boolean {
    return this.inError || this.getStatusCode() >= 400;
  }
}
