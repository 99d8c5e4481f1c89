// docrest/client: a typed client of docrest's (and RESTHeart's) REST API. ESM, no dependencies,
// for browsers and Node (anything with fetch). README, "Client".
import { Database } from './database.ts';
import type { Document } from './collection.ts';
import { Transport, type Auth, type ClientOptions, type Reply, type RequestOptions } from './http.ts';
import { Session } from './session.ts';

export class DocrestClient {
  readonly http: Transport;

  constructor(options: ClientOptions) {
    this.http = new Transport(options);
  }

  db(name: string): Database {
    return new Database(this.http, name);
  }

  /** Names of the databases (needs a mount of every database, `*`). */
  async listDatabases(): Promise<string[]> {
    return (await this.http.request<string[]>('GET', '/', { query: { rep: 's', pagesize: 1000 } })).body ?? [];
  }

  /** Switches credentials; with `useToken`, gets a JWT from /token at once (so bad credentials fail here). */
  async login(auth: Auth): Promise<void> {
    this.http.setAuth(auth);
    if ('username' in auth && auth.useToken) await this.http.refreshToken();
  }

  /**
   * Browsers: POST /token/cookie sets the auth cookie (HttpOnly: scripts never see the token), and
   * every later request is sent with it. Node's fetch keeps no cookies: use a token there.
   */
  async loginWithCookie(username: string, password: string): Promise<void> {
    this.http.setAuth({ username, password });
    await this.http.request('POST', '/token/cookie', { headers: { 'No-Auth-Challenge': 'true' } });
    this.http.setAuth({ cookie: true });
  }

  /** Invalidates the caller's tokens (DELETE /token) when it uses one, clears the auth cookie, and forgets the credentials. */
  async logout(): Promise<void> {
    if (this.http.currentToken !== undefined) await this.http.request('DELETE', '/token');
    await this.http.request('POST', '/logout').catch(() => undefined);
    this.http.setAuth(undefined);
  }

  /** Starts a session; its `db()` and its transactions' `db()` run requests in it. */
  startSession(o: { causallyConsistent?: boolean } = {}): Promise<Session> {
    return Session.start(this.http, (name, scope) => new Database(this.http, name, scope), o.causallyConsistent);
  }

  /** Any request, e.g. to a plugin service: the reply decoded, or a DocrestError. */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.http.request<T>(method, path, options);
  }

  /** The server's OpenAPI document, as the caller may see it. */
  async openapi(): Promise<Document> {
    return (await this.http.request<Document>('GET', '/_openapi.json')).body;
  }
}

export function createClient(options: ClientOptions): DocrestClient {
  return new DocrestClient(options);
}

export { Database } from './database.ts';
export { Bucket, type FileDocument, type UploadOptions } from './bucket.ts';
export {
  Collection, type Document, type Filter, type FindOptions, type InsertManyResult, type InsertOneResult, type IndexSpec,
  type NewDocument, type Sort, type Update, type UpdateOptions, type WriteOptions, type WriteResult,
} from './collection.ts';
export { BSONRegExp, Binary, Decimal128, Double, EJSON, MAXKEY, MINKEY, ObjectId, Timestamp, deserialize, serialize, type Codec } from './ejson.ts';
export {
  BadRequestError, BulkWriteError, ConflictError, DocrestError, ForbiddenError, NotFoundError, PreconditionFailedError, UnauthorizedError,
  type BulkResult, type ErrorBody,
} from './errors.ts';
export type { Auth, ClientOptions, Reply, RequestOptions } from './http.ts';
export { Session, Transaction, type TransactionStatus } from './session.ts';
export { ChangeStream, type ChangeEvent, type WatchOptions } from './watch.ts';
