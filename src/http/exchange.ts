// One request on its way through the pipeline: what the http stage parsed, the service it was
// routed to, the account security found, and the response the service (or an interceptor) set.
// Security (SecurityRequest) and the MongoDB API's parser (HttpInput) read it as it is, so a
// request allocates this one object for all of them.
import { Transform, type Readable } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { MongoRequest } from '../api/context.ts';
import { HttpError } from '../errors.ts';
import type { JsonMode } from '../json/render.ts';
import type { Account } from '../security/security.ts';
import type { ServiceResponse } from './response.ts';
import type { Service } from './service-registry.ts';

export class Exchange {
  readonly method: string;
  /** request path as received (still percent-encoded), without the query string */
  readonly path: string;
  /** the raw query string, without '?' */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** node's request: the body stream of a service with `streamRequestBody` */
  readonly raw: IncomingMessage;
  /** node's response; services answer by returning a ServiceResponse, not by writing here */
  readonly res: ServerResponse;
  readonly remoteIp: string;
  readonly scheme: 'http' | 'https';
  readonly secure: boolean;
  /** the whole body, read before the pipeline runs; undefined when there is none or it streams */
  readonly rawBody: Buffer | undefined;
  /** the upgrade request's first bytes after its headers; undefined when not an upgrade */
  readonly upgradeHead: Buffer | undefined;
  /** jsonMode of the query string, for error bodies and JSON responses of services other than the MongoDB API */
  readonly jsonMode: JsonMode;
  /** the service the path is routed to (set by lookup, before any interceptor runs) */
  service: Service;
  /** the MongoDB API's typed request, set by its init when a mount matches */
  mongo: MongoRequest | undefined = undefined;
  /** set by security (undefined = anonymous); REQUEST_AFTER_AUTH interceptors and services read it */
  account: Account | undefined = undefined;
  /**
   * The answer. A request interceptor that sets it ends the request phase (security and the
   * service are skipped); RESPONSE interceptors may read and replace it.
   */
  response: ServiceResponse | undefined = undefined;
  private readonly hostFallback: string;

  constructor(
    raw: IncomingMessage, res: ServerResponse, rawBody: Buffer | undefined, path: string, query: string,
    jsonMode: JsonMode, scheme: 'http' | 'https', service: Service, hostFallback: string, upgradeHead?: Buffer,
  ) {
    this.raw = raw;
    this.res = res;
    this.method = raw.method ?? 'GET';
    this.path = path;
    this.query = query;
    this.headers = raw.headers;
    this.remoteIp = raw.socket?.remoteAddress ?? '';
    this.scheme = scheme;
    this.secure = scheme === 'https';
    this.rawBody = rawBody;
    this.jsonMode = jsonMode;
    this.service = service;
    this.hostFallback = hostFallback;
    this.upgradeHead = upgradeHead;
  }

  /** scheme://host[:port] of this request */
  get baseUrl(): string {
    return `${this.scheme}://${this.headers.host ?? this.hostFallback}`;
  }

  /** An upgrade request (e.g. WebSocket) routed to a service with `acceptsUpgrade`. */
  get upgrade(): boolean {
    return this.upgradeHead !== undefined;
  }

  /**
   * The request body as a stream, for a service with `streamRequestBody`: errors with 413 once it
   * passes the service's limit (at once when Content-Length says so).
   */
  requestStream(): Readable {
    const limit = this.service.streamRequestBody?.limit;
    if (limit === undefined) throw new Error(`service ${this.service.name} did not ask for a streaming request body (streamRequestBody)`);
    if (Number(this.headers['content-length']) > limit) {
      this.dropBody();
      throw new HttpError(413, 'request body too large');
    }
    let seen = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > limit) cb(new HttpError(413, 'request body too large'));
        else cb(null, chunk);
      },
    });
    this.raw.on('error', (e) => counter.destroy(e));
    counter.on('error', () => {
      this.raw.unpipe(counter);
      this.dropBody();
    });
    return this.raw.pipe(counter);
  }

  /**
   * The rest of a body the service will not read: discarded as it arrives (the client gets its
   * answer instead of a stalled upload), and the connection closes after the response.
   */
  private dropBody(): void {
    this.res.shouldKeepAlive = false;
    if (!this.raw.complete) this.raw.resume();
  }
}
