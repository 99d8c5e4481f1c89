// A collection of the MongoDB API, with the driver's verbs mapped onto RESTHeart's requests:
// find → GET /db/coll?filter&sort&keys&page&pagesize, insertOne/Many → POST, updateOne → PATCH of
// the document, updateMany → PATCH /db/coll/*, replaceOne → PUT, deleteOne/Many → DELETE,
// aggregate → GET /_aggrs/{uri}?avars, watch → GET /_streams/{uri} (SSE). Every write answers the
// new ETag; `ifMatch` sends If-Match.
import type { ObjectId } from './ejson.ts';
import { BulkWriteError, type BulkResult } from './errors.ts';
import { idOfLink, idSegment, type QueryValue, type Transport } from './http.ts';
import { ChangeStream, type WatchOptions } from './watch.ts';

export type Document = Record<string, unknown>;
export type Filter = Record<string, unknown>;
/** {"a": 1, "b": -1}, or field names with an optional - prefix ("-qty") */
export type Sort = Record<string, 1 | -1> | string | string[];
/** A document to write: `_id` optional (the server makes an ObjectId), `_etag` set by the server. */
export type NewDocument<T> = Omit<T, '_id' | '_etag'> & { _id?: unknown };
/** Update operators ($set, $inc, $push, $unset, …) and plain fields (set), or an aggregation pipeline. */
export type Update = Document | Document[];

/** Query parameters a session or transaction adds to each request (sid, txn). */
export type Scope = Record<string, string>;

export interface FindOptions {
  filter?: Filter;
  sort?: Sort;
  /** a projection, e.g. {name: 1} */
  keys?: Document;
  /** from 1 */
  page?: number;
  /** 0..mongo.max-pagesize (default: the server's default pagesize, 100) */
  pagesize?: number;
  hint?: string | Document;
  signal?: AbortSignal;
}

export interface WriteOptions {
  /** the ETag the write expects (a document's `_etag` or an ETag string): 412 PreconditionFailedError otherwise */
  ifMatch?: string | ObjectId;
  /** an extra condition the document must meet (a non-matching document is as missing) */
  filter?: Filter;
  signal?: AbortSignal;
}

export interface UpdateOptions extends WriteOptions {
  /** create the document when it does not exist */
  upsert?: boolean;
}

export interface WriteResult {
  /** 1 when the document existed (and matched the filter), else 0 */
  matchedCount: number;
  /** the id of the document an upsert created */
  upsertedId?: unknown;
  /** the document's new ETag */
  etag?: string;
}

export interface InsertOneResult {
  insertedId: unknown;
  etag?: string;
}

export interface InsertManyResult {
  insertedCount: number;
  insertedIds: unknown[];
  etag?: string;
}

export interface IndexSpec {
  _id: string;
  key: Record<string, unknown>;
  [option: string]: unknown;
}

const sortParam = (s: Sort | undefined): string[] | undefined => {
  if (s === undefined) return undefined;
  return typeof s === 'string' ? [s] : Array.isArray(s) ? s : undefined;
};

export class Collection<T extends Document = Document> {
  readonly db: string;
  readonly name: string;
  /** request path of the collection */
  readonly path: string;
  protected readonly http: Transport;
  protected readonly scope: Scope;

  constructor(http: Transport, db: string, name: string, dbPath: string, scope: Scope = {}) {
    this.http = http;
    this.db = db;
    this.name = name;
    this.path = `${dbPath === '/' ? '' : dbPath}/${encodeURIComponent(name)}`;
    this.scope = scope;
  }

  protected json(v: unknown): string {
    return this.http.codec.stringify(v);
  }

  protected query(q: Record<string, QueryValue>): Record<string, QueryValue> {
    return { ...q, ...this.scope };
  }

  protected docPath(id: unknown): { path: string; idType?: string } {
    const { segment, idType } = idSegment(id);
    return { path: `${this.path}/${segment}`, idType };
  }

  private writeHeaders(o: WriteOptions): Record<string, string> {
    if (o.ifMatch === undefined) return {};
    return { 'If-Match': typeof o.ifMatch === 'string' ? o.ifMatch : o.ifMatch.toHexString() };
  }

  async find(o: FindOptions = {}): Promise<T[]> {
    const sort = sortParam(o.sort);
    const r = await this.http.request<T[]>('GET', this.path, {
      signal: o.signal,
      query: this.query({
        filter: o.filter && this.json(o.filter),
        sort: sort ?? (o.sort ? this.json(o.sort) : undefined),
        keys: o.keys && this.json(o.keys),
        hint: o.hint === undefined ? undefined : typeof o.hint === 'string' ? o.hint : this.json(o.hint),
        page: o.page, pagesize: o.pagesize, rep: 's',
      }),
    });
    return r.body ?? [];
  }

  async findOne(filter?: Filter, o: Omit<FindOptions, 'filter' | 'page' | 'pagesize'> = {}): Promise<T | null> {
    return (await this.find({ ...o, filter, pagesize: 1 }))[0] ?? null;
  }

  /** The document with this `_id`, or null. */
  async findById(id: unknown, o: { keys?: Document; signal?: AbortSignal } = {}): Promise<T | null> {
    const { path, idType } = this.docPath(id);
    const r = await this.http.request<T>('GET', path, { signal: o.signal, accept: [404], query: this.query({ id_type: idType, keys: o.keys && this.json(o.keys), rep: 's' }) });
    return r.status === 404 ? null : r.body;
  }

  /** How many documents match (all when no filter). */
  async count(filter?: Filter): Promise<number> {
    const r = await this.http.request<{ _size: number }>('GET', `${this.path}/_size`, { query: this.query({ filter: filter && this.json(filter) }) });
    return Number(r.body._size);
  }

  async insertOne(doc: NewDocument<T>, o: { signal?: AbortSignal } = {}): Promise<InsertOneResult> {
    const r = await this.http.request('POST', this.path, { body: doc, signal: o.signal, query: this.query({}) });
    const given = (doc as Document)._id;
    return { insertedId: given !== undefined ? given : r.location ? idOfLink(r.location) : undefined, etag: r.etag };
  }

  /** Unordered: every document is tried; when some fail, BulkWriteError carries the counts and the failures. */
  async insertMany(docs: Array<NewDocument<T>>, o: { signal?: AbortSignal } = {}): Promise<InsertManyResult> {
    const r = await this.http.request<BulkResult>('POST', this.path, { body: docs, signal: o.signal, query: this.query({}) });
    if (r.status === 207) throw new BulkWriteError(r.body, 'POST', this.path);
    return { insertedCount: Number(r.body.inserted), insertedIds: (r.body.links ?? []).map(idOfLink), etag: r.etag };
  }

  private async write(method: 'PUT' | 'PATCH', id: unknown, body: unknown, o: UpdateOptions): Promise<WriteResult> {
    const { path, idType } = this.docPath(id);
    const r = await this.http.request(method, path, {
      body, signal: o.signal, headers: this.writeHeaders(o), accept: [404],
      query: this.query({ id_type: idType, filter: o.filter && this.json(o.filter), wm: o.upsert ? 'upsert' : undefined }),
    });
    if (r.status === 404) return { matchedCount: 0 };
    return r.status === 201 ? { matchedCount: 0, upsertedId: id, etag: r.etag } : { matchedCount: 1, etag: r.etag };
  }

  /** Applies update operators ($set, $inc, …) or a pipeline to the document with this `_id`. */
  updateOne(id: unknown, update: Update, o: UpdateOptions = {}): Promise<WriteResult> {
    return this.write('PATCH', id, update, o);
  }

  replaceOne(id: unknown, doc: NewDocument<T>, o: UpdateOptions = {}): Promise<WriteResult> {
    return this.write('PUT', id, doc, o);
  }

  async updateMany(filter: Filter, update: Update, o: { signal?: AbortSignal } = {}): Promise<{ matchedCount: number; modifiedCount: number }> {
    const r = await this.http.request<BulkResult>('PATCH', `${this.path}/*`, { body: update, signal: o.signal, query: this.query({ filter: this.json(filter) }) });
    return { matchedCount: Number(r.body.matched), modifiedCount: Number(r.body.modified) };
  }

  async deleteOne(id: unknown, o: WriteOptions = {}): Promise<{ deletedCount: number }> {
    const { path, idType } = this.docPath(id);
    const r = await this.http.request('DELETE', path, {
      signal: o.signal, headers: this.writeHeaders(o), accept: [404], query: this.query({ id_type: idType, filter: o.filter && this.json(o.filter) }),
    });
    return { deletedCount: r.status === 404 ? 0 : 1 };
  }

  async deleteMany(filter: Filter, o: { signal?: AbortSignal } = {}): Promise<{ deletedCount: number }> {
    const r = await this.http.request<BulkResult>('DELETE', `${this.path}/*`, { signal: o.signal, query: this.query({ filter: this.json(filter) }) });
    return { deletedCount: Number(r.body.deleted) };
  }

  /** Runs the aggregation `uri` of the collection's metadata with these variables ($var). */
  async aggregate<R = Document>(uri: string, avars?: Document, o: { page?: number; pagesize?: number; signal?: AbortSignal } = {}): Promise<R[]> {
    const r = await this.http.request<R[]>('GET', `${this.path}/_aggrs/${encodeURIComponent(uri)}`, {
      signal: o.signal, query: this.query({ avars: avars && this.json(avars), page: o.page, pagesize: o.pagesize, rep: 's' }),
    });
    return r.body ?? [];
  }

  /**
   * Opens the change stream `uri` of the collection's metadata (SSE): iterate it with `for await`;
   * it resumes by itself after a dropped connection. `close()` (or `break`) ends it.
   */
  watch<E = T>(uri: string, o: WatchOptions = {}): ChangeStream<E> {
    const query = this.query({ ...o.params, avars: o.avars && this.json(o.avars) });
    return new ChangeStream<E>(this.http, `${this.path}/_streams/${encodeURIComponent(uri)}`, query, o);
  }

  /** Creates the collection, or replaces its metadata (aggrs, streams, jsonSchema, …). */
  async create(metadata: Document = {}, o: WriteOptions = {}): Promise<{ etag?: string }> {
    const r = await this.http.request('PUT', this.path, { body: metadata, headers: this.writeHeaders(o), query: this.query({}) });
    return { etag: r.etag };
  }

  /** Merges into the metadata. */
  async updateMetadata(metadata: Document, o: WriteOptions = {}): Promise<{ etag?: string }> {
    const r = await this.http.request('PATCH', this.path, { body: metadata, headers: this.writeHeaders(o), query: this.query({}) });
    return { etag: r.etag };
  }

  async metadata(): Promise<Document> {
    return (await this.http.request<Document>('GET', `${this.path}/_meta`, { query: this.query({}) })).body;
  }

  /** Drops the collection. By default the server wants its ETag (If-Match): without it, ConflictError (whose `etag` is the current one). */
  async drop(o: WriteOptions = {}): Promise<void> {
    await this.http.request('DELETE', this.path, { headers: this.writeHeaders(o), query: this.query({}) });
  }

  async indexes(): Promise<IndexSpec[]> {
    return (await this.http.request<IndexSpec[]>('GET', `${this.path}/_indexes`, { query: this.query({ rep: 's' }) })).body;
  }

  async createIndex(name: string, keys: Record<string, 1 | -1 | string>, options: Document = {}): Promise<void> {
    await this.http.request('PUT', `${this.path}/_indexes/${encodeURIComponent(name)}`, { body: { keys, ops: options }, query: this.query({}) });
  }

  async dropIndex(name: string): Promise<void> {
    await this.http.request('DELETE', `${this.path}/_indexes/${encodeURIComponent(name)}`, { query: this.query({}) });
  }
}
