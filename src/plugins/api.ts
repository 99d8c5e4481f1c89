// `docrest/plugin`: the types a plugin author writes against (import type only: nothing here runs).
// The shapes follow RESTHeart's JavaScript plugin API (options, handle(req, res), resolve(req),
// the request/response methods, LOGGER, pluginArgs, mclient) plus docrest's typed accessors.
// Self-contained on purpose: a plugin's tsc reads this file alone, not docrest's sources.

export type MatchPolicy = 'PREFIX' | 'EXACT';
export type InterceptPoint = 'REQUEST_BEFORE_AUTH' | 'REQUEST_AFTER_AUTH' | 'RESPONSE' | 'RESPONSE_ASYNC';
/**
 * Which services an interceptor sees: MongoInterceptor the MongoDB API; WildcardInterceptor every
 * service; the others (StringInterceptor, the default, JsonInterceptor, BsonInterceptor,
 * ByteArrayInterceptor) every service but the MongoDB API.
 */
export type PluginClass = 'StringInterceptor' | 'JsonInterceptor' | 'BsonInterceptor' | 'ByteArrayInterceptor' | 'MongoInterceptor' | 'WildcardInterceptor';

export interface ServiceOptions {
  /** unique among services; also the name of its configuration section (pluginArgs) */
  name: string;
  description?: string;
  /** starts with /, no trailing / */
  uri: string;
  /** default false: authentication runs but everything is allowed; true: the ACL decides */
  secured?: boolean;
  /** default PREFIX */
  matchPolicy?: MatchPolicy;
  /** what GET /_openapi.json lists for the service; without it the service is listed by its uri only */
  openapi?: ServiceOpenApi;
}

/** OpenAPI 3.1 path items by path (e.g. `/hello`), the component schemas they `$ref` (`#/components/schemas/<name>`), and their tag. */
export interface ServiceOpenApi {
  paths: Record<string, Record<string, unknown>>;
  schemas?: Record<string, Record<string, unknown>>;
  tag?: string;
}

export interface InterceptorOptions {
  name: string;
  description?: string;
  /** default REQUEST_AFTER_AUTH */
  interceptPoint?: InterceptPoint;
  /** default StringInterceptor */
  pluginClass?: PluginClass;
  /** lower runs first; default 10 */
  priority?: number;
}

export type ResourceType =
  | 'ROOT' | 'ROOT_SIZE' | 'DB' | 'DB_SIZE' | 'DB_META'
  | 'COLLECTION' | 'COLLECTION_SIZE' | 'COLLECTION_META' | 'DOCUMENT' | 'BULK_DOCUMENTS'
  | 'COLLECTION_INDEXES' | 'INDEX' | 'AGGREGATION' | 'CHANGE_STREAM'
  | 'FILES_BUCKET' | 'FILES_BUCKET_SIZE' | 'FILES_BUCKET_META' | 'FILE' | 'FILE_BINARY' | 'BULK_FILES'
  | 'SCHEMA_STORE' | 'SCHEMA_STORE_SIZE' | 'SCHEMA_STORE_META' | 'SCHEMA' | 'BULK_SCHEMAS'
  | 'SESSIONS' | 'SESSION' | 'TRANSACTIONS' | 'TRANSACTION' | 'INVALID';

export interface PluginAccount {
  name: string;
  roles: string[];
  /** the user document without its password, or the JWT's claims */
  properties: Record<string, unknown>;
  /** RESTHeart's Account.getPrincipal().getName() */
  getPrincipal(): { getName(): string };
  getRoles(): string[];
}

/** Header names are case-insensitive. */
export interface PluginHeaders {
  /** the first value */
  get(name: string): string | undefined;
  getFirst(name: string): string | undefined;
  getAll(name: string): string[];
  has(name: string): boolean;
  contains(name: string): boolean;
  /** replaces every value */
  put(name: string, value: string): PluginHeaders;
  add(name: string, value: string): PluginHeaders;
  remove(name: string): PluginHeaders;
  toObject(): Record<string, string>;
}

/** The request, as RESTHeart's JS API offers it, plus typed accessors. */
export interface PluginRequest {
  readonly method: string;
  /** percent-encoded, without the query string */
  readonly path: string;
  readonly query: URLSearchParams;
  /** the authenticated account; undefined when anonymous or before authentication */
  readonly account: PluginAccount | undefined;
  /** the name of the service the request is routed to ('mongo' for the MongoDB API) */
  readonly serviceName: string;
  /** the MongoDB API's view of the request; undefined for other services */
  readonly mongo: { type: ResourceType; db?: string; collection?: string; documentId?: string } | undefined;
  /**
   * The body parsed as JSON (relaxed: ObjectId, ISODate, …; numbers as JS numbers); undefined when
   * there is none; 400 when malformed. MongoDB API requests: the parsed body, as getContent().
   */
  json(): unknown;
  /** the body as text; null when there is none */
  text(): string | null;

  getPath(): string;
  getURL(): string;
  getQueryString(): string;
  getMethod(): string;
  getQueryParameters(): Record<string, string[]>;
  getQueryParameterOrDefault(name: string, dflt: string): string;
  getQueryParameterOfDefault(name: string, dflt: string): string;
  getHeaders(): PluginHeaders;
  getHeader(name: string): string | undefined;
  setHeader(name: string, value: string): void;
  getContentType(): string | undefined;
  isContentTypeJson(): boolean;
  /**
   * Services and StringInterceptor-like classes: the body as a string (null when none).
   * MongoInterceptor: the parsed body (a document, an array of documents, or undefined), owned by
   * this request: changes made in place are written. Its numbers are BSON wrappers (Int32, Double,
   * Long, Decimal128: Number(v) reads them) so that what is written keeps its types.
   */
  getContent(): any;
  /** Replaces the body (MongoInterceptor at a request point: what is written). */
  setContent(content: unknown): void;
  isGet(): boolean;
  isPost(): boolean;
  isPut(): boolean;
  isPatch(): boolean;
  isDelete(): boolean;
  isOptions(): boolean;
  isHead(): boolean;
  isHandledBy(serviceName: string): boolean;
  isAuthenticated(): boolean;
  isAccountInRole(role: string): boolean;
  getAuthenticatedAccount(): PluginAccount | null;
  // MongoDB API requests (MongoInterceptor)
  getType(): ResourceType | null;
  getDbName(): string | null;
  getDBName(): string | null;
  getCollectionName(): string | null;
  /** the document id as stored (?id_type applied): ObjectId, string, number, … */
  getDocumentId(): unknown;
  getDocumentIdRaw(): string | null;
  isRoot(): boolean;
  isDb(): boolean;
  isCollection(): boolean;
  isDocument(): boolean;
  isBulkDocuments(): boolean;
  isAggregation(): boolean;
  isCollectionIndexes(): boolean;
  isIndex(): boolean;
  isFilesBucket(): boolean;
  isFile(): boolean;
  isFileBinary(): boolean;
  isSchemaStore(): boolean;
  isSchema(): boolean;
  isSessions(): boolean;
  isSession(): boolean;
  isTxns(): boolean;
  isTxn(): boolean;
  isChangeStream(): boolean;
}

/** The response, as RESTHeart's JS API offers it, plus typed accessors. */
export interface PluginResponse {
  /**
   * Services and StringInterceptor-like classes: the body as a string (JSON for JSON responses;
   * null when none). MongoInterceptor: the rendered representation (a document or an array),
   * owned by this response: changes made in place are sent.
   */
  getContent(): any;
  /** a string or bytes are sent as they are; any other value as JSON */
  setContent(content: unknown): void;
  getStatusCode(): number;
  setStatusCode(code: number): void;
  getContentType(): string | undefined;
  setContentType(type: string): void;
  setContentTypeAsJson(): void;
  setContentTypeAsHtml(): void;
  getHeaders(): PluginHeaders;
  getHeader(name: string): string | undefined;
  setHeader(name: string, value: string): void;
  /** answers with RESTHeart's error body; at a request point the service is not called */
  setInError(code: number, message: string): void;
  isInError(): boolean;
  /** sets the status (default 200) and a JSON body */
  json(body: unknown, status?: number): void;
  /** sets the status (default 200) and a text body (text/plain unless a content type is set) */
  send(body: string | Uint8Array, status?: number): void;
}

export interface ServicePlugin {
  options: ServiceOptions;
  handle(req: PluginRequest, res: PluginResponse): void | Promise<void>;
}

export interface InterceptorPlugin {
  options: InterceptorOptions;
  /** must return a boolean, synchronously */
  resolve(req: PluginRequest): boolean;
  handle(req: PluginRequest, res: PluginResponse): void | Promise<void>;
}

/** SLF4J-style: `{}` in the message is replaced by the next argument. */
export interface PluginLogger {
  trace(msg: string, ...args: unknown[]): void;
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  isDebugEnabled(): boolean;
  isTraceEnabled(): boolean;
}

// Data access: the MongoDB driver's collection API, on whichever engine docrest runs. Documents
// come back with numbers as JS numbers (the driver's promoteValues); ObjectId, Decimal128, Long
// beyond 2^53, dates and binaries keep their BSON types. No ACL applies: a plugin sees all data.

export type Document = Record<string, any>;
export type Filter = Document;
export type SortSpec = Record<string, 1 | -1> | Array<[string, 1 | -1]>;

export interface FindOptions {
  sort?: SortSpec;
  projection?: Document;
  skip?: number;
  limit?: number;
  maxTimeMS?: number;
}

export interface Cursor<T = Document> extends AsyncIterable<T> {
  sort(sort: SortSpec): Cursor<T>;
  project(projection: Document): Cursor<T>;
  skip(n: number): Cursor<T>;
  limit(n: number): Cursor<T>;
  maxTimeMS(ms: number): Cursor<T>;
  toArray(): Promise<T[]>;
}

export interface AggregationCursor<T = Document> extends AsyncIterable<T> {
  toArray(): Promise<T[]>;
}

export interface UpdateResult {
  acknowledged: true;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

export interface DeleteResult {
  acknowledged: true;
  deletedCount: number;
}

export interface PluginCollection {
  readonly dbName: string;
  readonly collectionName: string;
  find(filter?: Filter, options?: FindOptions): Cursor;
  findOne(filter?: Filter, options?: FindOptions): Promise<Document | null>;
  countDocuments(filter?: Filter): Promise<number>;
  estimatedDocumentCount(): Promise<number>;
  insertOne(doc: Document): Promise<{ acknowledged: true; insertedId: unknown }>;
  /** stops at the first failure, as the driver's ordered insertMany */
  insertMany(docs: Document[]): Promise<{ acknowledged: true; insertedCount: number; insertedIds: Record<number, unknown> }>;
  replaceOne(filter: Filter, doc: Document, options?: { upsert?: boolean }): Promise<UpdateResult>;
  updateOne(filter: Filter, update: Document | Document[], options?: { upsert?: boolean; arrayFilters?: Document[] }): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Document | Document[], options?: { upsert?: boolean; arrayFilters?: Document[] }): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<DeleteResult>;
  deleteMany(filter: Filter): Promise<DeleteResult>;
  aggregate(pipeline: Document[], options?: { maxTimeMS?: number; allowDiskUse?: boolean }): AggregationCursor;
  listIndexes(): AggregationCursor;
}

export interface PluginDb {
  readonly databaseName: string;
  collection(name: string): PluginCollection;
  /** the driver returns a cursor of {name, type}; this returns it as an array */
  listCollections(): { toArray(): Promise<Array<{ name: string; type: 'collection' }>> };
  createCollection(name: string): Promise<PluginCollection>;
  dropCollection(name: string): Promise<boolean>;
}

export interface DataClient {
  db(name: string): PluginDb;
}

declare global {
  /** the plugin's logger (pino, SLF4J-style placeholders) */
  var LOGGER: PluginLogger;
  /** the plugin's configuration section (`<plugin name>: {…}`); {} when absent */
  var pluginArgs: Record<string, any>;
  /** the data client bound to the running engine */
  var mclient: DataClient;
}
