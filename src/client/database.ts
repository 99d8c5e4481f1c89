// A database of the MongoDB API: its collections and file buckets, and the database itself
// (create, drop, metadata, collection names).
import { Bucket } from './bucket.ts';
import { Collection, type Document, type Scope, type WriteOptions } from './collection.ts';
import type { Transport } from './http.ts';

export class Database {
  readonly name: string;
  /** request path of the database (the client's `mounts`, else /{name}) */
  readonly path: string;
  private readonly http: Transport;
  private readonly scope: Scope;

  constructor(http: Transport, name: string, scope: Scope = {}) {
    this.http = http;
    this.name = name;
    this.path = http.mounts[name] ?? `/${encodeURIComponent(name)}`;
    this.scope = scope;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new Collection<T>(this.http, this.name, name, this.path, this.scope);
  }

  bucket(name: string): Bucket {
    return new Bucket(this.http, this.name, name, this.path, this.scope);
  }

  /** Names of the collections (file buckets as `<name>.files`). */
  async listCollections(): Promise<string[]> {
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const r = await this.http.request<string[]>('GET', this.path, { query: { page, pagesize: 1000, rep: 's', ...this.scope } });
      names.push(...(r.body ?? []));
      if ((r.body ?? []).length < 1000) return names;
    }
  }

  /** Creates the database, or replaces its metadata. */
  async create(metadata: Document = {}, o: WriteOptions = {}): Promise<{ etag?: string }> {
    const headers: Record<string, string> = o.ifMatch === undefined ? {} : { 'If-Match': String(o.ifMatch) };
    const r = await this.http.request('PUT', this.path, { body: metadata, headers, query: { ...this.scope } });
    return { etag: r.etag };
  }

  async metadata(): Promise<Document> {
    return (await this.http.request<Document>('GET', `${this.path === '/' ? '' : this.path}/_meta`, { query: { ...this.scope } })).body;
  }

  /** Drops the database. By default the server wants its ETag (If-Match): without it, ConflictError (whose `etag` is the current one). */
  async drop(o: WriteOptions = {}): Promise<void> {
    const headers: Record<string, string> = o.ifMatch === undefined ? {} : { 'If-Match': String(o.ifMatch) };
    await this.http.request('DELETE', this.path, { headers, query: { ...this.scope } });
  }
}
