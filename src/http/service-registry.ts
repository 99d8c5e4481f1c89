// Every service — /ping, /health/db, /token, /roles, /logout, the MongoDB API, and plugins — is
// registered here the same way, and each request is routed to one by its path (RESTHeart's
// PathMatcher): an EXACT uri equal to the path wins; else the longest PREFIX uri the path equals or
// continues at a segment boundary. The MongoDB API is the PREFIX service at `/`, so any other
// service's uri wins over the mongo-mounts.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from './exchange.ts';
import type { ServiceResponse } from './response.ts';
import type { ServiceOpenApi } from '../openapi/description.ts';

export type MatchPolicy = 'PREFIX' | 'EXACT';

export interface Service {
  /** unique; RESTHeart's plugin name (also the key of its configuration section) */
  readonly name: string;
  readonly uri: string;
  readonly matchPolicy: MatchPolicy;
  /** true: authentication as the ACL requires it and an ACL allower; false: authentication runs, everything is allowed */
  readonly secured: boolean;
  /**
   * The body is not read before the pipeline runs: the service reads `ex.requestStream()` (413 past
   * `limit` bytes) instead of `ex.rawBody`. Without it the body is read whole, up to the server's
   * body limit (413 beyond).
   */
  readonly streamRequestBody?: {
    readonly limit: number;
    /** which requests stream (by their line and headers; the body is not read yet); all when absent */
    readonly when?: (req: IncomingMessage) => boolean;
  };
  /** `Upgrade:` requests (WebSocket) on its paths reach it with the socket (TakeoverResponse); others are plain requests */
  readonly acceptsUpgrade?: boolean;
  /** What the service serves, for GET /_openapi.json (src/openapi/description.ts); listed as undescribed without it */
  readonly openapi?: ServiceOpenApi;
  /** Runs right after lookup, before any interceptor or security (RESTHeart's request initializer). */
  init?(ex: Exchange): void | Promise<void>;
  handle(ex: Exchange): ServiceResponse | Promise<ServiceResponse>;
}

/** A path equal to `uri` or continuing it at a segment boundary. */
function underPrefix(path: string, uri: string): boolean {
  return uri === '/' || (path.startsWith(uri) && (path.length === uri.length || path.charCodeAt(uri.length) === 47));
}

export class ServiceRegistry {
  private readonly exact = new Map<string, Service>();
  /** longest uri first */
  private prefix: Service[] = [];
  private readonly names = new Map<string, Service>();

  /** Throws, naming both, when the name or the uri (with its match policy) is taken. */
  register(s: Service): void {
    if (typeof s.name !== 'string' || s.name === '') throw new Error('a service needs a name');
    if (typeof s.uri !== 'string' || !s.uri.startsWith('/') || (s.uri.length > 1 && s.uri.endsWith('/'))) {
      throw new Error(`service ${s.name}: uri must start with / and not end with / (got ${JSON.stringify(s.uri)})`);
    }
    if (s.matchPolicy !== 'PREFIX' && s.matchPolicy !== 'EXACT') throw new Error(`service ${s.name}: matchPolicy must be PREFIX or EXACT`);
    if (typeof s.handle !== 'function') throw new Error(`service ${s.name}: handle must be a function`);
    const uri = s.uri;
    const taken = this.names.get(s.name);
    if (taken) throw new Error(`service ${s.name}: the name is taken by the service at ${taken.uri}`);
    const clash = s.matchPolicy === 'EXACT' ? this.exact.get(uri) : this.prefix.find((p) => p.uri === uri);
    if (clash) throw new Error(`service ${s.name}: uri ${uri} (${s.matchPolicy}) is taken by service ${clash.name}`);
    this.names.set(s.name, s);
    if (s.matchPolicy === 'EXACT') this.exact.set(uri, s);
    else this.prefix = [...this.prefix, s].sort((a, b) => b.uri.length - a.uri.length);
  }

  /** Every registered service, in registration order. */
  list(): Service[] {
    return [...this.names.values()];
  }

  lookup(path: string): Service | undefined {
    const exact = this.exact.size === 0 ? undefined : this.exact.get(path);
    if (exact) return exact;
    for (const s of this.prefix) if (underPrefix(path, s.uri)) return s;
    return undefined;
  }
}
